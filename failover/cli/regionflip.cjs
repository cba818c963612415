#!/usr/bin/env node
// The `regionflip` binary (package.json "bin"): registers tsx so the TypeScript CLI runs as is, then starts it.
require('tsx/cjs');
require('./main.ts');
