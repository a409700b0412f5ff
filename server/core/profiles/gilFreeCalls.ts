import type { Node } from '../parsing/syntaxTree';
import type { ImportMap } from '../python/imports';
import { resolveCallee } from '../python/imports';
import { walk } from '../python/syntax';

/**
 * Calls whose time is spent in C code that releases the GIL: password hashing (Django's hashers run PBKDF2/bcrypt/
 * argon2 in C), hashlib/hmac digests and crypto libraries. A loop that spends its iterations there is not the
 * Python CPU work DJP601 is about (threads do run in parallel there), so it is no evidence of it.
 */
const GIL_FREE = /^(?:hashlib|hmac|bcrypt|argon2|nacl|cryptography|Crypto|zlib|lzma|bz2)\.|^django\.contrib\.auth\.(?:authenticate|hashers\.\w+)$|(?:^|\.)(?:make_password|check_password|set_password|authenticate|pbkdf2)$/;

export function isGilFreeCall(call: Node, imports: ImportMap): boolean {
  const name = resolveCallee(call, imports) ?? call.childForFieldName('function')?.text ?? '';
  return GIL_FREE.test(name);
}

/** Whether the code in `span` calls one of those (nested functions excluded). */
export function callsGilFreeWork(span: Node, imports: ImportMap): boolean {
  let found = false;
  walk(span, (n) => {
    if (found || (n !== span && (n.type === 'function_definition' || n.type === 'lambda'))) return false;
    if (n.type === 'call' && isGilFreeCall(n, imports)) found = true;
    return !found;
  });
  return found;
}
