// Stand-ins for provider plugins that cannot be downloaded here. @pulumi/random is the only one
// the program uses: every input forces a new value, and a value stays stable in state otherwise.
import * as crypto from "node:crypto";

export interface FakeProvider {
    /** Outputs for new inputs. */
    create(inputs: Record<string, any>): { id: string; outs: Record<string, any> };
    /** True when a change of inputs needs a new value. */
    replaces(oldInputs: Record<string, any>, newInputs: Record<string, any>): boolean;
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

function pick(alphabet: string, n: number): string[] {
    return Array.from({ length: n }, () => alphabet[crypto.randomInt(alphabet.length)]);
}

function randomString(inputs: Record<string, any>): string {
    const length = Number(inputs.length);
    const use = (flag: unknown) => flag !== false;
    const sets: [string, number][] = [];
    if (use(inputs.upper)) sets.push([UPPER, Number(inputs.minUpper ?? 0)]);
    if (use(inputs.lower)) sets.push([LOWER, Number(inputs.minLower ?? 0)]);
    if (use(inputs.numeric ?? inputs.number)) sets.push([DIGITS, Number(inputs.minNumeric ?? 0)]);
    if (use(inputs.special)) sets.push([inputs.overrideSpecial ?? SPECIAL, Number(inputs.minSpecial ?? 0)]);
    const chars = sets.flatMap(([a, min]) => pick(a, min));
    chars.push(...pick(sets.map(([a]) => a).join(""), length - chars.length));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
}

function stripInternal(inputs: Record<string, any>): Record<string, any> {
    const { __defaults, ...rest } = inputs;
    return rest;
}

const randomValue: FakeProvider = {
    create: (inputs) => ({ id: "none", outs: { ...stripInternal(inputs), result: randomString(inputs) } }),
    replaces: (o, n) => JSON.stringify(stripInternal(o)) !== JSON.stringify(stripInternal(n)),
};

export const fakes: Record<string, FakeProvider> = {
    "random:index/randomPassword:RandomPassword": randomValue,
    "random:index/randomString:RandomString": randomValue,
};
