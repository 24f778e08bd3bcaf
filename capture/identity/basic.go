package identity

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/cloudtrail"
)

// BasicConfig configures a Basic identifier.
type BasicConfig struct {
	// Account is the account of principals that name none; empty means
	// DefaultAccount.
	Account string
	// Users are the users that may sign in.
	Users []BasicUser
}

// A BasicUser is a user name and password of HTTP Basic authentication
// and the principal they stand for.
type BasicUser struct {
	// Name is the user name the client sends.
	Name string
	// Password is "sha256:" followed by the hex SHA-256 of the password,
	// or else the password itself.
	Password string
	// Principal is who the user is. An empty Principal.Name means Name,
	// so a plain user needs no Principal at all: it is the IAM user Name.
	Principal Principal
}

// Basic identifies callers by HTTP Basic authentication
// (Authorization: Basic base64(user:password)). A user whose password
// matches is its configured principal, with no accessKeyId: by default an
// IAMUser whose userName is the Basic user name, so EventBridge rules
// written against userIdentity.type and userIdentity.userName work as for
// an AWS caller.
//
// Passwords are compared as SHA-256 hashes in constant time, and an
// unknown user costs the same as a wrong password.
//
// A Basic is immutable once built; Identify is safe for concurrent use.
type Basic struct {
	users map[string]*basicUser
}

type basicUser struct {
	hash      [sha256.Size]byte
	principal *principal
}

// NewBasic checks cfg and returns its identifier. Errors name the field
// at fault, such as "Users[0].Password".
func NewBasic(cfg BasicConfig) (*Basic, error) {
	b := &Basic{users: make(map[string]*basicUser, len(cfg.Users))}
	for i, u := range cfg.Users {
		field := fmt.Sprintf("Users[%d]", i)
		switch {
		case u.Name == "":
			return nil, fmt.Errorf("identity: basic: %s.Name: required", field)
		case strings.ContainsRune(u.Name, ':'):
			return nil, fmt.Errorf("identity: basic: %s.Name: %q holds a colon, which Basic authentication cannot send", field, u.Name)
		case b.users[u.Name] != nil:
			return nil, fmt.Errorf("identity: basic: %s.Name: %q is configured twice", field, u.Name)
		case u.Password == "":
			return nil, fmt.Errorf("identity: basic: %s.Password: required", field)
		}
		hash, err := passwordHash(u.Password)
		if err != nil {
			return nil, fmt.Errorf("identity: basic: %s.Password: %w", field, err)
		}
		pr := u.Principal
		if pr.Name == "" {
			pr.Name = u.Name
		}
		p, err := pr.resolve(cfg.Account, time.Now())
		if err != nil {
			return nil, fmt.Errorf("identity: basic: %w", under(field+".Principal", err))
		}
		b.users[u.Name] = &basicUser{hash: hash, principal: p}
	}
	return b, nil
}

// passwordHash reads a configured password: "sha256:<64 hex digits>" or
// the password itself.
func passwordHash(s string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	hexHash, ok := strings.CutPrefix(s, "sha256:")
	if !ok {
		return sha256.Sum256([]byte(s)), nil
	}
	raw, err := hex.DecodeString(hexHash)
	if err != nil || len(raw) != sha256.Size {
		return sum, fmt.Errorf("sha256: wants 64 hex digits")
	}
	copy(sum[:], raw)
	return sum, nil
}

// unknownUser is compared against when the user name is unknown, so that
// an unknown name takes as long as a wrong password.
var unknownUser = &basicUser{}

// Identify returns the principal of the Basic user r authenticates as, or
// nil when r has no Basic credentials or they do not match.
func (b *Basic) Identify(r *http.Request, _ []byte) *cloudtrail.UserIdentity {
	name, password, ok := r.BasicAuth()
	if !ok {
		return nil
	}
	u := b.users[name]
	known := u != nil
	if !known {
		u = unknownUser
	}
	got := sha256.Sum256([]byte(password))
	if subtle.ConstantTimeCompare(got[:], u.hash[:]) != 1 || !known {
		return nil
	}
	return u.principal.identity("")
}
