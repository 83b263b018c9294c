// Compile-time checks that the helpers' types come from the generated schema (tsc fails if they drift),
// plus one runtime check so the file counts as a test.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Body, Ok, Schemas } from "../src/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const checks: [
  Equal<Ok<"me_wallet">, Schemas["WalletOut"]>,
  Equal<Ok<"me_vouchers_claim">, Schemas["VoucherOut"]>,
  Equal<Ok<"me_bindings_list">, Schemas["BindingOut"][]>,
  Equal<Ok<"me_delete">, void>,
  Equal<Body<"auth_dev_login">, Schemas["DevLogin"]>,
] = [true, true, true, true, true];

it("the helpers' types are the generated schema's", () => {
  assert.ok(checks.every(Boolean));
});
