import { runDemoScenarios } from './scenarios.ts';

runDemoScenarios('express');
