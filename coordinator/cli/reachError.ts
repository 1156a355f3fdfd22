// What the CLI says when a request never got an HTTP answer: the cause decides the advice. A
// certificate the CLI does not trust is not "is it running?": the coordinator answered, and the
// operator has to fix trust (NODE_EXTRA_CA_CERTS) or the certificate's names instead.

const TLS_TRUST = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
]);

/** One line for a failed fetch to `url` (set from `urlFrom`), given the error's cause code. */
export function unreachableMessage(url: string, urlFrom: string, code: string | undefined, detail: string): string {
  const where = `the coordinator at ${url} (from ${urlFrom})`;
  if (code !== undefined && TLS_TRUST.has(code)) {
    return `${where} answered with a certificate this machine does not trust (${code}): point NODE_EXTRA_CA_CERTS at the CA file that signed it (ca.crt), or check it is the coordinator's certificate`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${where} answered with a certificate that does not name ${new URL(url).hostname} (${code}): use a host name the certificate lists, or add it to the certificate's subjectAltName`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `${where} answered with a certificate outside its validity dates (${code}): renew it, or check this machine's clock`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot find the host of ${where} (${code}): check the URL`;
  return `cannot reach ${where}: ${code ?? detail}; is it running? Set the URL with --url or FEDMARK_URL.`;
}
