/** Status views: JSON documents, the status page plugin, and terminal rendering. */
export { statusPlugin, overview, type StatusPluginOptions } from './plugin';
export { actionStatus, summarize } from './assemble';
export { baselines } from './estimate';
export { fixedStatusSource, actionNameSchema, type StatusSource } from './source';
export { renderOverview, renderAction } from './terminal';
export type * from './types';
