/**
 * How every route's response schema becomes a serializer: Fastify's own
 * (fast-json-stringify through its compiler), kept per process by schema.
 * Compiling the serializers of every route and dialect is most of the time a
 * server takes to start (~0.5 s of CPU here); tests build hundreds of servers
 * in one process from the same schema objects, and a second server reuses what
 * the first compiled. One server per process (production) compiles once, as before.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;
type Serializer = ReturnType<ReturnType<Factory>>;

const select = SerializerSelector();
/** Per compiler settings (the shared schemas and options, as text), the serializers by response schema object. */
const compiled = new Map<string, WeakMap<object, Serializer>>();

/** Fastify's `schemaController.compilersFactory.buildSerializer`. */
export function buildSerializerFactory(): Factory {
  return (externalSchemas, options) => {
    const compile = select(externalSchemas, options);
    const key = JSON.stringify([externalSchemas ?? null, options ?? null]);
    let bySchema = compiled.get(key);
    if (!bySchema) compiled.set(key, (bySchema = new WeakMap()));
    const cache = bySchema;
    return (route) => {
      const schema = route.schema;
      if (typeof schema !== 'object' || schema === null) return compile(route);
      let serializer = cache.get(schema);
      if (!serializer) cache.set(schema, (serializer = compile(route)));
      return serializer;
    };
  };
}
