export * from "./frame";
export * from "./messages";
export * from "./proto";
export * from "./rsync";
