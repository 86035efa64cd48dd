/** Keeper configuration tests: the message of the ConfigError a call throws. */
import { expect } from "chai";
import { ConfigError } from "../../src/keeper/config";

/** Runs `fn`, which must throw a `ConfigError`; returns its message. */
export function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a configuration error");
}
