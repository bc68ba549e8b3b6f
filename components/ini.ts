// INI files as OpenStack's oslo.config reads them: sections of key = value, in the order given.
export type IniValue = string | number | boolean | undefined;
export type Ini = Record<string, Record<string, IniValue>>;

export function renderIni(ini: Ini, header = "# Managed by hotstack-os: pulumi up puts back any change made here."): string {
    const out = [header];
    for (const [section, values] of Object.entries(ini)) {
        const lines = Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${v}`);
        if (lines.length) out.push("", `[${section}]`, ...lines);
    }
    return out.join("\n") + "\n";
}
