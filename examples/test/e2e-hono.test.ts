import { runDemoScenarios } from './scenarios.ts';

runDemoScenarios('hono');
