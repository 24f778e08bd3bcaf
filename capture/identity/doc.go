// Package identity says who made an HTTP request, as a CloudTrail
// userIdentity, for the capture layer: it owns the identifiers that turn
// a verified credential into an identity, and the shapes those
// identities take. Every identifier satisfies capture.Identifier: it
// returns nil whenever the credential is missing, malformed, unknown or
// does not verify, and never guesses.
//
// Four credentials are known, each with a config struct that cmd fills
// from the configuration file and a constructor that checks it, naming
// the field at fault in its error:
//
//   - SigV4 (NewSigV4): an AWS Signature Version 4 made with a configured
//     access key, for any service and region, by header or presigned URL.
//     The key's Principal is the identity, with its accessKeyId.
//   - Basic (NewBasic): HTTP Basic authentication of a configured user.
//   - JWT (NewJWT): a bearer JSON Web Token verified with a shared secret,
//     PEM public keys or a JWK Set fetched from a URL.
//   - ClientCert (NewClientCert): a TLS client certificate the server's
//     TLS layer verified.
//
// First tries several in order.
//
// # Shapes
//
// An access key, a Basic user and a listed client certificate stand for
// a Principal, shaped as CloudTrail shapes AWS principals (reference:
// cloudtrail.md 1.2) so that EventBridge rules written for AWS's records
// (userIdentity.type, userName, arn, sessionContext.sessionIssuer.userName)
// match trailbridge's unchanged:
//
//	IAMUser      {"type":"IAMUser","principalId":"AIDA…","arn":"arn:aws:iam::ACCOUNT:user/PATH/NAME",
//	              "accountId":"ACCOUNT","accessKeyId":"AKIA…","userName":"NAME"}
//	AssumedRole  {"type":"AssumedRole","principalId":"AROA…:SESSION",
//	              "arn":"arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION","accountId":"ACCOUNT","accessKeyId":"ASIA…",
//	              "sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA…",
//	              "arn":"arn:aws:iam::ACCOUNT:role/PATH/ROLE","accountId":"ACCOUNT","userName":"ROLE"},
//	              "webIdFederationData":{},"attributes":{"creationDate":"…Z","mfaAuthenticated":"false"}}}
//	Root         {"type":"Root","principalId":"ACCOUNT","arn":"arn:aws:iam::ACCOUNT:root","accountId":"ACCOUNT","accessKeyId":"…"}
//
// Unique IDs not configured are derived from the ARN (DeriveID), so they
// are stable across restarts and processes. Only SigV4 identities carry
// an accessKeyId.
//
// A Basic user is, by default, the IAM user of its name: Basic
// authentication names a user and nothing else, and IAMUser is the type
// AWS rules about users already test. It may be mapped to any Principal.
//
// A JWT caller is a WebIdentityUser, as CloudTrail records callers
// authenticated by a web identity provider (AWS's user-identity page:
// principalId "a combination of the issuer, application ID, and user ID",
// userName the user ID, identityProvider the issuer's principal name such
// as accounts.google.com):
//
//	{"type":"WebIdentityUser","principalId":"PROVIDER:AUD:SUB","userName":"…","identityProvider":"PROVIDER"}
//
// PROVIDER is the token's iss without "https://"; AUD is the audience
// accepted; userName is sub, or a configured claim (preferred_username,
// email). CloudTrail's userIdentity has no place for arbitrary claims;
// the closest faithful one is a session's webIdFederationData, whose
// attributes AWS names as its web-identity condition keys, so claims
// chosen in JWTConfig.Claims go there:
//
//	"sessionContext":{"webIdFederationData":{"federatedProvider":"PROVIDER",
//	  "attributes":{"PROVIDER:email":"…"}},"attributes":{"creationDate":"IAT","mfaAuthenticated":"false"}}
//
// with the token's iat as creationDate and mfaAuthenticated "true" when
// its amr lists "mfa". Without chosen claims the identity has no
// sessionContext.
//
// A client certificate listed in ClientCertConfig.Subjects is its
// Principal. Any other verified certificate is, unless refused, an
// "Unknown" caller, CloudTrail's type for identities outside AWS:
//
//	{"type":"Unknown","principalId":"CN=alice,O=Example","userName":"alice"}
//
// principalId is the subject DN (the certificate's name when the subject
// is empty, as in SPIFFE certificates) and userName the name CertName
// gives; there is no arn or accountId, since the certificate names no
// AWS principal.
//
// # Limits
//
// SigV4 verification hashes the body itself (package sigv4), so a
// request whose body the capture layer did not keep is identified only
// when its body is empty or it is presigned with UNSIGNED-PAYLOAD; a
// declared X-Amz-Content-Sha256 cannot stand in for the body, and
// header-signed UNSIGNED-PAYLOAD and S3's chunked streaming signatures
// are not verified. SigV4 session tokens are compared with the
// configured one, not resolved against a session store.
//
// # Concurrency
//
// Identify is called concurrently by many requests. SigV4, Basic and
// ClientCert are immutable once built. JWT's key set is swapped whole
// when fetched; one fetch runs at a time, and a request waits for one
// only when no key it holds can answer, for at most
// JWTConfig.JWKSFetchTimeout or until the request's context ends.
//
// Besides trailbridge's cloudtrail and sigv4 packages, it uses only the
// standard library (its crypto packages for every signature).
package identity
