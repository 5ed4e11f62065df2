#!/usr/bin/env node
// Entry point of the `tg-lottery` command: registers tsx (TypeScript sources run as they are), then
// hands over to the CLI. A build (`npm run build`) is optional; this works from a fresh clone.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
