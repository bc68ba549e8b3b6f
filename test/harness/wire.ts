// The wire form of property values between the SDK, the engine and providers: secrets are
// wrapped in a signature object, unknowns are a sentinel string. Values cross the gRPC
// boundary as protobuf Structs, and so do they here.
const structproto = require("google-protobuf/google/protobuf/struct_pb");

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Wire = any;

export function isSecret(v: Wire): boolean {
    return !!v && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
}

export function secret(v: Wire): Wire {
    return isSecret(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

/** True when the value or anything inside it is a secret. */
export function containsSecret(v: Wire): boolean {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

/** Plaintext copy: the dynamic provider host accepts no secrets, so providers see plain values. */
export function reveal(v: Wire): Wire {
    if (isSecret(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}

/** Round trip through a protobuf Struct, exactly as values travel over gRPC (undefined is rejected). */
export function viaStruct(obj: Record<string, unknown>): Record<string, any> {
    return structproto.Struct.fromJavaScript(obj).toJavaScript();
}

export function toStruct(obj: Record<string, unknown>): any {
    return structproto.Struct.fromJavaScript(obj);
}

/** Re-marks top-level output properties secret when their input was secret or the resource says so. */
export function remarkSecrets(outputs: Record<string, any>, secretKeys: Set<string>): Record<string, any> {
    const result: Record<string, any> = {};
    for (const [k, v] of Object.entries(outputs)) result[k] = secretKeys.has(k) ? secret(v) : v;
    return result;
}

export function secretKeysOf(props: Record<string, any>): Set<string> {
    return new Set(Object.keys(props).filter((k) => containsSecret(props[k])));
}
