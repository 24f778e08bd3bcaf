package identity

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// DefaultAccount is the account principals belong to when none is
// configured, trailbridge's default.
const DefaultAccount = "000000000000"

// An Identifier says who made a request, or returns nil when the caller
// cannot be established. It has the method set of capture.Identifier, so
// every identifier of this package is one.
type Identifier interface {
	Identify(r *http.Request, body []byte) *cloudtrail.UserIdentity
}

// First returns an Identifier that asks ids in order and answers with the
// first identity one of them gives. Nil entries are skipped. It is safe
// for concurrent use when each of ids is.
func First(ids ...Identifier) Identifier {
	var f first
	for _, id := range ids {
		if id != nil {
			f = append(f, id)
		}
	}
	return f
}

type first []Identifier

func (f first) Identify(r *http.Request, body []byte) *cloudtrail.UserIdentity {
	for _, id := range f {
		if u := id.Identify(r, body); u != nil {
			return u
		}
	}
	return nil
}

// A Principal is the AWS-shaped identity a credential stands for. Three
// shapes are known, by Type:
//
//   - "IAMUser" (the default): an IAM user, arn
//     arn:aws:iam::ACCOUNT:user/PATH/NAME, principalId AIDA…, userName NAME;
//   - "AssumedRole": a session of a role, arn
//     arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION, principalId
//     AROA…:SESSION, with a sessionContext naming the role
//     (arn:aws:iam::ACCOUNT:role/PATH/NAME) as its issuer;
//   - "Root": the account itself, arn arn:aws:iam::ACCOUNT:root,
//     principalId ACCOUNT. Name is not used.
//
// A Principal is configuration: a plain value, read and never written
// once an identifier is built from it.
type Principal struct {
	// Type is "IAMUser", "AssumedRole" or "Root"; empty means "IAMUser".
	Type string
	// Account is the 12-digit account ID; empty means the identifier's.
	Account string
	// Path is the IAM path of the user or role, "/" when empty; it must
	// begin and end with "/". The assumed-role ARN has no path, as at AWS.
	Path string
	// Name is the user name, or the role name of an AssumedRole.
	Name string
	// Session is the role session name of an AssumedRole.
	Session string
	// ID is the unique ID: the user's AIDA… ID, or the role's AROA… ID
	// (without ":SESSION"). When empty, a stable one is derived from the
	// user's or role's ARN.
	ID string
	// MFA is an AssumedRole's sessionContext.attributes.mfaAuthenticated.
	MFA bool
	// Created is an AssumedRole's session creation time
	// (sessionContext.attributes.creationDate); zero means the time the
	// identifier was built.
	Created time.Time
}

// A principal is a checked Principal, ready to become identities.
type principal struct {
	typ, account, arn, id, name string
	// AssumedRole only.
	roleARN, roleID, created, mfa string
}

// resolve checks p and fills its defaults: the account when p has none,
// and the creation time of a session.
func (p Principal) resolve(account string, now time.Time) (*principal, error) {
	if p.Account != "" {
		account = p.Account
	}
	if account == "" {
		account = DefaultAccount
	}
	if !isAccountID(account) {
		return nil, fieldError("Account", "%q is not a 12-digit account ID", account)
	}
	path := p.Path
	if path == "" {
		path = "/"
	}
	if !validPath(path) {
		return nil, fieldError("Path", "%q must begin and end with / and hold only printable ASCII", path)
	}
	out := &principal{account: account, name: p.Name}
	switch p.Type {
	case cloudtrail.IdentityRoot:
		out.typ = cloudtrail.IdentityRoot
		out.arn = "arn:aws:iam::" + account + ":root"
		out.id = account
		out.name = ""
	case "", cloudtrail.IdentityIAMUser:
		if !validName(p.Name, 1, 64) {
			return nil, fieldError("Name", "%q is not an IAM user name (1 to 64 of A-Z a-z 0-9 +=,.@_-)", p.Name)
		}
		out.typ = cloudtrail.IdentityIAMUser
		out.arn = "arn:aws:iam::" + account + ":user" + path + p.Name
		out.id = p.ID
		if out.id == "" {
			out.id = DeriveID("AIDA", out.arn)
		}
	case cloudtrail.IdentityAssumedRole:
		if !validName(p.Name, 1, 64) {
			return nil, fieldError("Name", "%q is not an IAM role name (1 to 64 of A-Z a-z 0-9 +=,.@_-)", p.Name)
		}
		if !validName(p.Session, 2, 64) {
			return nil, fieldError("Session", "%q is not a role session name (2 to 64 of A-Z a-z 0-9 +=,.@_-)", p.Session)
		}
		out.typ = cloudtrail.IdentityAssumedRole
		out.roleARN = "arn:aws:iam::" + account + ":role" + path + p.Name
		out.roleID = p.ID
		if out.roleID == "" {
			out.roleID = DeriveID("AROA", out.roleARN)
		}
		out.arn = "arn:aws:sts::" + account + ":assumed-role/" + p.Name + "/" + p.Session
		out.id = out.roleID + ":" + p.Session
		created := p.Created
		if created.IsZero() {
			created = now
		}
		out.created = created.UTC().Format(time.RFC3339)
		out.mfa = fmt.Sprint(p.MFA)
	default:
		return nil, fieldError("Type", "%q is not one of IAMUser, AssumedRole, Root", p.Type)
	}
	return out, nil
}

// identity returns a new UserIdentity of the principal, signed with
// accessKeyID (empty for credentials other than access keys). Each call
// returns a fresh value the caller may change.
func (p *principal) identity(accessKeyID string) *cloudtrail.UserIdentity {
	u := &cloudtrail.UserIdentity{
		Type:        p.typ,
		PrincipalID: p.id,
		ARN:         p.arn,
		AccountID:   p.account,
		AccessKeyID: accessKeyID,
	}
	switch p.typ {
	case cloudtrail.IdentityIAMUser:
		u.UserName = p.name
	case cloudtrail.IdentityAssumedRole:
		u.SessionContext = &cloudtrail.SessionContext{
			SessionIssuer: &cloudtrail.SessionIssuer{
				Type:        "Role",
				PrincipalID: p.roleID,
				ARN:         p.roleARN,
				AccountID:   p.account,
				UserName:    p.name,
			},
			// Real records carry an empty webIdFederationData for
			// sessions that were not federated.
			WebIDFederationData: &cloudtrail.WebIDFederationData{},
			Attributes: &cloudtrail.SessionAttributes{
				CreationDate:     p.created,
				MFAAuthenticated: p.mfa,
			},
		}
	}
	return u
}

// idEncoding is the alphabet of AWS's unique IDs: upper-case letters and
// the digits 2 to 7.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// DeriveID returns a stable unique ID in AWS's form for the principal
// named by arn: prefix ("AIDA" for users, "AROA" for roles) followed by 17
// characters of A-Z and 2-7 taken from the SHA-256 of arn, 21 characters
// in all. The same ARN always gives the same ID.
func DeriveID(prefix, arn string) string {
	sum := sha256.Sum256([]byte("trailbridge unique id\x00" + arn))
	return prefix + idEncoding.EncodeToString(sum[:])[:17]
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validName reports whether s is an IAM name of min to max characters
// from IAM's set, A-Z a-z 0-9 and +=,.@_-.
func validName(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
			return false
		}
	}
	return true
}

// validPath reports whether p is an IAM path: "/", or "/" segments "/"
// of printable ASCII, at most 512 characters.
func validPath(p string) bool {
	if len(p) > 512 || !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7e {
			return false
		}
	}
	return true
}

// A configError names the configuration field that is wrong, as a path
// from the config struct: "Keys[1].Principal.Name".
type configError struct {
	field string
	err   error
}

func (e *configError) Error() string { return e.field + ": " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func fieldError(field, format string, args ...any) error {
	return &configError{field: field, err: fmt.Errorf(format, args...)}
}

// under prefixes the field an error names with parent, so that an error
// from a Principal reads "Keys[1].Principal.Name: …".
func under(parent string, err error) error {
	var ce *configError
	if errors.As(err, &ce) {
		return &configError{field: parent + "." + ce.field, err: ce.err}
	}
	return fmt.Errorf("%s: %w", parent, err)
}
