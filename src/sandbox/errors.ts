/**
 * Telegram's error answers: the {@link BotApiError} a method throws, and a catalogue of the exact
 * descriptions the real Bot API gives, so the sandbox and the tests never retype them.
 * Envelope: `{"ok":false,"error_code":<int>,"description":"<text>","parameters":{...}}`; the HTTP status
 * equals `error_code`, as Telegram does.
 */

/** Optional `parameters` of an error answer (Bot API ResponseParameters). */
export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** A Bot API error answer. Thrown by method handlers; turned into the error envelope by the route. */
export class BotApiError extends Error {
  readonly errorCode: number;
  readonly description: string;
  readonly parameters: ResponseParameters | undefined;

  constructor(errorCode: number, description: string, parameters?: ResponseParameters) {
    super(`${errorCode}: ${description}`);
    this.name = 'BotApiError';
    this.errorCode = errorCode;
    this.description = description;
    this.parameters = parameters;
  }

  /** The JSON body Telegram sends for this error. */
  toJSON(): { ok: false; error_code: number; description: string; parameters?: ResponseParameters } {
    return this.parameters
      ? { ok: false, error_code: this.errorCode, description: this.description, parameters: this.parameters }
      : { ok: false, error_code: this.errorCode, description: this.description };
  }
}

/** Chat kinds as they appear inside Telegram's error texts. */
export type ChatKindWord = 'group' | 'supergroup' | 'channel';

/** Exact descriptions of Telegram's errors, grouped by HTTP status. */
export const TG = {
  unauthorized: 'Unauthorized',
  notFound: 'Not Found',
  conflictPoll:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  conflictWebhook:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  conflictSetWebhook: 'Conflict: terminated by setWebhook request',
  blocked: 'Forbidden: bot was blocked by the user',
  cantInitiate: "Forbidden: bot can't initiate conversation with a user",
  deactivated: 'Forbidden: user is deactivated',
  botToBot: "Forbidden: bot can't send messages to bots",
  notMember: (kind: ChatKindWord) => `Forbidden: bot is not a member of the ${kind} chat`,
  kicked: (kind: ChatKindWord) => `Forbidden: bot was kicked from the ${kind} chat`,
  tooManyRequests: (seconds: number) => `Too Many Requests: retry after ${seconds}`,
  cantParseEntities: (detail: string) => `Bad Request: can't parse entities: ${detail}`,
  messageTooLong: 'Bad Request: message is too long',
  textEmpty: 'Bad Request: message text is empty',
  buttonDataInvalid: 'Bad Request: BUTTON_DATA_INVALID',
  notModified:
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  queryTooOld: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
  memberListInaccessible: 'Bad Request: member list is inaccessible',
  chatNotFound: 'Bad Request: chat not found',
  userNotFound: 'Bad Request: user not found',
  memberNotFound: 'Bad Request: member not found',
  chatIdEmpty: 'Bad Request: chat_id is empty',
  invalidUserId: 'Bad Request: invalid user_id specified',
  messageIdMissing: 'Bad Request: message identifier is not specified',
  messageToEditNotFound: 'Bad Request: message to edit not found',
  messageCantBeEdited: "Bad Request: message can't be edited",
  messageToDeleteNotFound: 'Bad Request: message to delete not found',
  messageCantBeDeleted: "Bad Request: message can't be deleted",
  noAdminsInPrivate: 'Bad Request: there are no administrators in the private chat',
  needAdminInChannel: 'Bad Request: need administrator rights in the channel chat',
  notEnoughRightsToSend: 'Bad Request: not enough rights to send text messages to the chat',
  badMarkup: "Bad Request: can't parse reply keyboard markup JSON object",
  badButton: (detail: string) => `Bad Request: can't parse inline keyboard button: ${detail}`,
  buttonUrlInvalid: 'Bad Request: BUTTON_URL_INVALID',
  unsupportedParseMode: (mode: string) => `Bad Request: unsupported parse_mode "${mode}"`,
  badJson: (field: string) => `Bad Request: can't parse ${field} JSON object`,
  required: (field: string) => `Bad Request: parameter "${field}" is required`,
  wrongType: (field: string, type: string) => `Bad Request: field "${field}" must be of type ${type}`,
  commandInvalid: 'Bad Request: BOT_COMMAND_INVALID',
  commandDescriptionInvalid: 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID',
  badWebhookUrl: 'Bad Request: bad webhook: An HTTP or HTTPS URL must be provided for webhook',
  badSecretToken: 'Bad Request: secret token contains unallowed characters',
  inlineMessagesUnsupported: 'Bad Request: inline messages are not supported by the sandbox',
} as const;

/** Shorthand: a 400 Bad Request with `description`. */
export function badRequest(description: string): BotApiError {
  return new BotApiError(400, description);
}

/** Shorthand: a 403 Forbidden with `description`. */
export function forbidden(description: string): BotApiError {
  return new BotApiError(403, description);
}

/** The description Telegram puts on a bare HTTP status, for injected faults given only a code. */
export function defaultDescription(code: number): string {
  const known: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    429: 'Too Many Requests: retry after 5',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return known[code] ?? `Error ${code}`;
}
