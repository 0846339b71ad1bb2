/** The checkpoint policies: pure decisions over an action's statistics (see docs/policy.md). */
export * from './types';
export * from './stats';
export { createRng } from './rng';
export { createPolicy, POLICY_NAMES, PolicySpecError, policyDefaults, policyParamSchemas } from './registry';
export { ArtifactPolicy, artifactParamsSchema, artifactDefaults, softmax, proportional } from './artifact';
export { PronghornPolicy, pronghornParamsSchema, pronghornDefaults } from './pronghorn';
export { ColdPolicy, FixedPolicy } from './baselines';
export { CurveEstimator } from './estimate';
