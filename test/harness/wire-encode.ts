// Request encoding for the harness's gRPC calls, in protobuf's wire format, done here instead of
// with google-protobuf's JS objects. The engine is Go and encodes in native code; the harness,
// in JS, spent most of a no-op run re-encoding the same serialized provider text (tens of KB,
// two or three copies per request). The bytes are the same protobuf messages (provider.proto,
// struct.proto); long strings are encoded once and reused. The provider host decodes them with
// its own stubs, so a mistake here fails loudly.

/** google.protobuf.Value field numbers. */
const VALUE = { null: 1, number: 2, string: 3, bool: 4, struct: 5, list: 6 };

function varint(n: number): Buffer {
    const out: number[] = [];
    let v = n;
    while (v > 127) {
        out.push((v & 127) | 128);
        v = Math.floor(v / 128);
    }
    out.push(v);
    return Buffer.from(out);
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);

function lengthDelimited(field: number, payload: Buffer): Buffer {
    return Buffer.concat([tag(field, 2), varint(payload.length), payload]);
}

const longStrings = new Map<string, Buffer>();

/** A string as a length-delimited field; strings of a kilobyte or more are encoded once. */
function stringField(field: number, s: string): Buffer {
    if (s.length < 1024) return lengthDelimited(field, Buffer.from(s, "utf8"));
    const key = `${field}\0${s}`;
    let b = longStrings.get(key);
    if (!b) {
        b = lengthDelimited(field, Buffer.from(s, "utf8"));
        if (longStrings.size > 256) longStrings.clear();
        longStrings.set(key, b);
    }
    return b;
}

export function encodeValue(v: unknown): Buffer {
    if (v === null) return Buffer.concat([tag(VALUE.null, 0), varint(0)]);
    if (v === undefined) throw new Error("Unexpected struct type: undefined"); // as Struct.fromJavaScript
    if (typeof v === "number") {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(v);
        return Buffer.concat([tag(VALUE.number, 1), b]);
    }
    if (typeof v === "string") return stringField(VALUE.string, v);
    if (typeof v === "boolean") return Buffer.concat([tag(VALUE.bool, 0), varint(v ? 1 : 0)]);
    if (Array.isArray(v)) return lengthDelimited(VALUE.list, Buffer.concat(v.map((x) => lengthDelimited(1, encodeValue(x)))));
    if (typeof v === "object") return lengthDelimited(VALUE.struct, encodeStruct(v as Record<string, unknown>));
    throw new Error(`Unexpected struct type: ${typeof v}`);
}

/** google.protobuf.Struct: map<string, Value> fields = 1. */
export function encodeStruct(obj: Record<string, unknown>): Buffer {
    return Buffer.concat(Object.entries(obj).map(([k, v]) => lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(k, "utf8")), lengthDelimited(2, encodeValue(v))]))));
}

type Field = [number, "string", string] | [number, "struct", Record<string, unknown>] | [number, "bool", boolean];

/** A request message from its fields (field number, kind, value), as provider.proto numbers them. */
export function encodeMessage(fields: Field[]): Buffer {
    const parts: Buffer[] = [];
    for (const [n, kind, value] of fields) {
        if (kind === "string") parts.push(stringField(n, value as string));
        else if (kind === "struct") parts.push(lengthDelimited(n, encodeStruct(value as Record<string, unknown>)));
        else if (value) parts.push(Buffer.concat([tag(n, 0), varint(1)]));
    }
    return Buffer.concat(parts);
}
