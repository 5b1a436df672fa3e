export { Pipeline, type PipelineStep, type ResultOfStep, type LastResult } from './pipeline.js';
export { Group, type GroupMember, type ResultsOf } from './group.js';
export type { WorkflowBroker, RunOptions } from './workflow-broker.js';
export { GroupCallbacksNotConfiguredError } from './workflows.errors.js';
