import { withEmulator } from './_lib';
import { writeFileSync } from 'node:fs';
await withEmulator({}, async (emu) => { writeFileSync('/tmp/prof/emu.url', emu.url); await new Promise((r) => setTimeout(r, Number(process.env.EMU_SECS ?? 120) * 1000)); });
