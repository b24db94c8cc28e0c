// Runs before each workerd test file: stores the file's API key (helpers.TEST_API_KEY) in the local
// API_KEYS namespace, so the tests exercise the deployed configuration (AUTH_REQUIRED = "true").
import { beforeAll } from "vitest";
import { storeKey, TEST_API_KEY } from "./helpers";

beforeAll(async () => {
  await storeKey(TEST_API_KEY, { name: "test-suite" });
});
