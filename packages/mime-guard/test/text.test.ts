import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCsvFormula, findSvgProblem, sniffText } from '../src/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('sniffText', () => {
  it.each([
    ['#!/usr/bin/env python\nprint(1)', 'script'],
    ['  \n#!/bin/sh', 'script'],
    ['GIF89a but <?php system($_GET[1]); ?>', 'script'],
    ['<?xml version="1.0"?><!-- c --><!DOCTYPE svg><svg width="1">', 'svg'],
    ['<SVG xmlns="http://www.w3.org/2000/svg">', 'svg'],
    ['<!doctype html><p>hi', 'html'],
    ['hello <script>alert(1)</script>', 'html'],
    ['<?xml version="1.0"?><note><to>x</to></note>', 'xml'],
    ['a,b\n1,2\n', 'text'],
    ['\uFEFFplain with BOM', 'text'],
  ])('reads %j as %s', (input, kind) => {
    expect(sniffText(bytes(input))).toBe(kind);
  });

  it('calls bytes with NULs binary', () => {
    expect(sniffText(new Uint8Array([0x41, 0, 0x42, 0x43]))).toBe('binary');
  });
});

describe('findSvgProblem', () => {
  it.each([
    ['<svg><script>x</script></svg>', 'script'],
    ['<svg><svg:script>x</svg:script></svg>', 'script'],
    ['<svg onload="x">', 'event-handler'],
    ['<svg><rect ONCLICK = "x"/></svg>', 'event-handler'],
    ['<svg><a href="javascript:alert(1)">', 'javascript-url'],
    ['<svg><a href="&#106;avascript:alert(1)">', 'javascript-url'],
    ['<svg><a xlink:href="java\tscript:alert(1)">', 'javascript-url'],
    ['<svg><foreignObject><iframe/></foreignObject></svg>', 'foreign-object'],
    ['<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', 'entity'],
    ['<svg><image href="https://evil.example/track.png"/></svg>', 'external-reference'],
  ])('finds %j unsafe (%s)', (svg, problem) => {
    expect(findSvgProblem(svg)).toBe(problem);
  });

  it('passes a plain drawing, an internal link and an inline PNG', () => {
    expect(
      findSvgProblem(
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><g id="a"/></defs><use href="#a"/><image href="data:image/png;base64,AAAA"/><text>only words</text></svg>',
      ),
    ).toBeUndefined();
  });
});

describe('findCsvFormula', () => {
  it.each([
    ['a,=1+1', 2 - 1],
    ['a\n@SUM(A1)', 2],
    ['a\n"=cmd|\' /C calc\'!A0"', 2],
    ['x;+A1', 1],
    ['x,-A1', 1],
    ['x,\tlead', 1],
    ['x,\rlead', 1],
  ])('finds a formula in %j (line %i)', (csv, line) => {
    expect(findCsvFormula(csv)).toBe(line);
  });

  it('passes numbers with signs, empty cells, quotes and CRLF line ends', () => {
    expect(
      findCsvFormula('n,v\r\na,-12.5\r\nb,+33\r\nc,\r\n"d, e",""\r\n"say ""=hi""",1e-3\r\n'),
    ).toBeUndefined();
  });

  it('never throws on any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = findCsvFormula(s);
        expect(r === undefined || (Number.isInteger(r) && r >= 1)).toBe(true);
      }),
    );
  });

  it('finds every cell that starts with a trigger character (property)', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' '), maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(cell, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('=', '@'),
        fc.nat(4),
        (cells, trigger, at) => {
          const i = at % cells.length;
          const row = cells.map((c, j) => (j === i ? `${trigger}${c}` : c)).join(',');
          expect(findCsvFormula(`h\n${row}`)).toBe(2);
        },
      ),
    );
  });
});
