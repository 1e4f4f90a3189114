export * from './model';
export { buildTopology, TopologyOptions } from './build';
export * from './overlay';
export { topologyLinks } from './links';
export { overlayReply } from './reply-overlay';
