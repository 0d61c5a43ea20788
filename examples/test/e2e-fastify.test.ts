import { runDemoScenarios } from './scenarios.ts';

runDemoScenarios('fastify');
