export * from "./faults";
export { type ConnState, type ProxyConnection, type ProxyFrame, RST_GRACE_MS } from "./link";
export * from "./proxy";
export { FrameSplitter, type Split } from "./splitter";
