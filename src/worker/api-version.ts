// The package version (package.json) is the version of the API contract, the CLI and the typed client
// (CHANGELOG.md: "Two version numbers"); the model has its own (MODEL_INFO.version, in every cache key).
import pkg from "../../package.json";

export const API_VERSION: string = pkg.version;
