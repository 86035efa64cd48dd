export * from "./units";
export * from "./accounts";
export * from "./errors";
export * from "./constants";
export * from "./admin-params";
export * from "./actions";
