// JSON Schema of fwcert.yaml and of a certificate profile, generated from the same zod schemas the
// loader validates with (common keys + every registered CA, manager and device type's own keys), for
// editors (yaml-language-server) and other tools. Cross-checks the JSON Schema cannot express (a
// target names a defined device, keys valid for that device's type) stay in the loader.
import { z } from 'zod';
import { issuerTypes as issuerRegistry } from '../ca/registry.js';
import { managerTypes as managerRegistry, targetTypes as targetRegistry } from '../devices/registry.js';
import {
  caCommonSchema, configSchema, deviceCommonSchema, ENTRY_NAME, keySchema, managerCommonSchema, profileSchema, renewalSchema, sanSchema, subjectSchema,
} from './schema.js';

// The schemas describe every type, so this module (imported by `fwcert schema` and `lab up` only) loads every driver.
const [issuerTypes, managerTypes, targetTypes] = await Promise.all([issuerRegistry.all(), managerRegistry.all(), targetRegistry.all()]);

type Shape = Record<string, z.ZodType>;

function shapeOf(schema: z.ZodType): Shape | undefined {
  return schema instanceof z.ZodObject ? (schema.shape as Shape) : undefined;
}

/** One entry variant per registered type: the common keys, `type: <that type>`, and the type's own keys. */
function entryUnion(common: z.ZodObject, types: ReadonlyMap<string, { type: string; optionsSchema: z.ZodType }>): z.ZodType {
  const variants = [...types.values()].map((t) =>
    z.strictObject({ ...(common.shape as Shape), ...(shapeOf(t.optionsSchema) ?? {}), type: z.literal(t.type) }),
  );
  if (!variants.length) return z.strictObject({ ...(common.shape as Shape) });
  return variants.length === 1 ? variants[0]! : z.union(variants as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

function profileZod(): z.ZodType {
  const caKeys: Shape = {};
  for (const t of issuerTypes.values()) if (t.profileKey && t.profileOptionsSchema) caKeys[t.profileKey] = t.profileOptionsSchema.optional();
  const binds = [...targetTypes.values()].map((t) => t.bindSchema);
  const bind = binds.length === 1 ? binds[0]! : z.union(binds as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  return z.strictObject({
    ...(profileSchema.shape as Shape),
    subject: subjectSchema.optional(),
    sans: z.array(sanSchema).optional(),
    key: keySchema,
    renewal: renewalSchema.optional(),
    targets: z.array(z.strictObject({ device: z.string().min(1), bind: bind.optional() })).min(1),
    ...caKeys,
  });
}

function toJson(schema: z.ZodType, title: string): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...out, title };
}

export function profileJsonSchema(): Record<string, unknown> {
  return toJson(profileZod(), 'fwcert certificate profile');
}

export function configJsonSchema(): Record<string, unknown> {
  const name = z.string().regex(ENTRY_NAME);
  const schema = z.strictObject({
    ...(configSchema.shape as Shape),
    cas: z.record(name, entryUnion(caCommonSchema, issuerTypes)).optional(),
    managers: z.record(name, entryUnion(managerCommonSchema, managerTypes)).optional(),
    devices: z.record(name, entryUnion(deviceCommonSchema, targetTypes)).optional(),
    profiles: z.array(profileZod()).optional(),
  });
  return toJson(schema, 'fwcert configuration (fwcert.yaml)');
}
