/**
 * The error every configuration problem is reported with.
 *
 * @module
 */

/**
 * A configuration value is missing or malformed. The message names the
 * variable and quotes its value, so the operator can fix it without reading
 * code: `PORT must be an integer from 0 to 65535: current value is "abc"`.
 */
export class ConfigError extends Error {
  /** The environment variable (or flag) at fault. */
  readonly variable: string;

  /** Builds the error for `variable`, explaining `rule` and quoting `value`. */
  constructor(variable: string, rule: string, value: string) {
    super(`${variable} ${rule}: current value is ${JSON.stringify(value)}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}
