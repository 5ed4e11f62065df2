/**
 * The Bot API sandbox: a local stand-in for Telegram's Bot API used by end-to-end tests and the offline
 * demo. See docs/sandbox.md.
 */
export type { PressResult } from './actions.ts';
export {
  type CreateBotInput,
  type CreateBotsInput,
  type CreateUserInput,
  type FaultInput,
  type MemberInput,
  type PressInput,
  SandboxClient,
  SandboxClientError,
} from './client.ts';
export type { Clock } from './clock.ts';
export { ManualClock, systemClock } from './clock.ts';
export type * from './control/types.ts';
export { BotApiError, TG } from './errors.ts';
export { DEFAULT_LIMITS, type SandboxLimits } from './limits.ts';
export type { ChatType, MemberStatus } from './model.ts';
export { createSandbox, runSandbox, type Sandbox, type SandboxOptions } from './sandbox.ts';
export type { SandboxState } from './state.ts';
