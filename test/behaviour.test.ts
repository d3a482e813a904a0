import assert from "node:assert/strict";
import { test } from "node:test";
import { behaviourOf, CONFORMANT, PROFILES, VARIANTS } from "../harness/reference/behaviour";

test("no name is the conformant reference", () => {
  assert.equal(behaviourOf(undefined), CONFORMANT);
  assert.equal(behaviourOf(""), CONFORMANT);
});

test("each variant changes at least one point of the conformant behaviour", () => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    const b = behaviourOf(name);
    const changed = Object.keys(v.behaviour).filter(
      (k) => b[k as keyof typeof b] !== CONFORMANT[k as keyof typeof CONFORMANT],
    );
    assert.ok(changed.length > 0, `${name} changes nothing`);
    assert.ok(v.description.length > 10, `${name} has no description`);
  }
});

test("the pika-4.0 profile answers duplicates kOther and retries on Pika's fixed 10 s gate", () => {
  const b = behaviourOf("pika-4.0");
  assert.equal(b.duplicateMetaSync, "kOther");
  assert.equal(b.retry.name, "fixed-10s");
  assert.ok(PROFILES["pika-4.0"]);
});

test("an unknown name is refused with the list of names", () => {
  assert.throws(
    () => behaviourOf("nope"),
    /unknown reference variant "nope"\. Variants: dup-kother, .*Profiles: pika-4\.0/,
  );
});
