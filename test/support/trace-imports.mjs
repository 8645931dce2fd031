// --import this (after tsx) to list every module a process loads: one URL per line in
// $FWCERT_TRACE_IMPORTS. The resolve hook runs on the loader thread and writes synchronously, so the
// list is complete even when the process ends with process.exit().
import { register } from 'node:module';

register('./trace-imports-hooks.mjs', import.meta.url, { data: { file: process.env.FWCERT_TRACE_IMPORTS } });
