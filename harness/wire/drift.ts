/**
 * Schema drift: the kit's .proto against a Pika build's, message by message and field by field,
 * as the wire sees them (numbers, types, labels, enum values), so a change in Pika's schema is
 * named before it shows up as an undecodable frame.
 */
import * as protobuf from "protobufjs";

/** Every field and enum value of a .proto, "InnerMessage.InnerRequest.MetaSync.auth" → "optional string = 2". */
export function schemaOf(file: string): Map<string, string> {
  const root = protobuf.loadSync(file);
  root.resolveAll();
  const out = new Map<string, string>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type)
        for (const f of obj.fieldsArray)
          out.set(
            `${f.fullName.slice(1)}`,
            `${f.repeated ? "repeated" : f.required ? "required" : "optional"} ${f.type} = ${f.id}`,
          );
      if (obj instanceof protobuf.Enum)
        for (const [name, id] of Object.entries(obj.values))
          out.set(`${obj.fullName.slice(1)}.${name}`, `= ${id}`);
      if (obj instanceof protobuf.Namespace || obj instanceof protobuf.Type) walk(obj);
    }
  };
  walk(root);
  return out;
}

export interface Drift {
  path: string;
  kit: string | undefined;
  theirs: string | undefined;
}

/** Every path whose definition differs, or that only one side has. */
export function schemaDrift(kit: Map<string, string>, theirs: Map<string, string>): Drift[] {
  const paths = [...new Set([...kit.keys(), ...theirs.keys()])].sort();
  return paths
    .map((path) => ({ path, kit: kit.get(path), theirs: theirs.get(path) }))
    .filter((d) => d.kit !== d.theirs);
}
