import assert from "node:assert/strict";
import { test } from "node:test";
import { behaviourOf, CONFORMANT, PROFILES, VARIANTS } from "../harness/reference/behaviour";
import { schemaForVersion } from "../harness/wire";

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
    /unknown reference variant "nope"\. Variants: dup-kother, .*Profiles: pika-4\.0, pika-3\.5/,
  );
});

test("every profile speaks the wire schema of the Pika version it reports", () => {
  assert.equal(CONFORMANT.schema, schemaForVersion(undefined));
  for (const name of Object.keys(PROFILES)) {
    const b = behaviourOf(name);
    assert.equal(b.schema, schemaForVersion(b.pikaVersion), `${name} reports ${b.pikaVersion}`);
  }
});

test("the pika-3.5 profile: the 3.5 schema, 3.5.5, names-only database check, a snapshot it cannot read fetched again, and pika-4.0's handshake deviations", () => {
  const [b, four] = [behaviourOf("pika-3.5"), behaviourOf("pika-4.0")];
  assert.equal(b.schema, "3.5");
  assert.equal(b.pikaVersion, "3.5.5");
  assert.equal(b.dbNamesOnly, true);
  assert.equal(four.dbNamesOnly, false);
  assert.equal(four.schema, "4.0");
  assert.equal(b.pksetexatInt32Ms, false, "#2857's TTL bug came after v3.5.5");
  assert.equal(four.pksetexatInt32Ms, true);
  // Both serve the snapshot on P+10001 without auth (the same src/rsync_server.cc; DS-AUTH-04).
  assert.equal(b.rsyncWithoutAuth, true);
  assert.equal(four.rsyncWithoutAuth, true);
  assert.equal(
    b.refetchUnreadableSnapshot,
    true,
    "v3.5.5 fetches a v4.0.1 dump again and again (PR-VERFULL-01)",
  );
  assert.equal(four.refetchUnreadableSnapshot, false);
  const differ = (Object.keys(b) as (keyof typeof b)[]).filter((k) => b[k] !== four[k]).sort();
  assert.deepEqual(differ, [
    "dbNamesOnly",
    "pikaVersion",
    "pksetexatInt32Ms",
    "refetchUnreadableSnapshot",
    "schema",
  ]);
});
