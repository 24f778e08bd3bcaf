package config

import "github.com/goccy/go-yaml/ast"

// Authorization types of a connection.
const (
	AuthBasic                  = "BASIC"
	AuthApiKey                 = "API_KEY"
	AuthOAuthClientCredentials = "OAUTH_CLIENT_CREDENTIALS"
)

// Connection holds the credentials an API destination calls with; its
// fields are those of EventBridge's CreateConnection.
type Connection struct {
	Key               string `yaml:"-"` // path in the file, such as Connections[0]
	Name              string
	Description       string
	AuthorizationType string // BASIC, API_KEY or OAUTH_CLIENT_CREDENTIALS
	AuthParameters    AuthParameters
}

// AuthParameters holds the one block that AuthorizationType names, and
// parameters added to every call.
type AuthParameters struct {
	BasicAuthParameters      *BasicAuthParameters
	ApiKeyAuthParameters     *ApiKeyAuthParameters
	OAuthParameters          *OAuthParameters
	InvocationHttpParameters *ConnectionHttpParameters
}

// BasicAuthParameters are the credentials of BASIC authorization.
type BasicAuthParameters struct {
	Username string
	Password string
}

// ApiKeyAuthParameters are the header name and value of API_KEY
// authorization.
type ApiKeyAuthParameters struct {
	ApiKeyName  string
	ApiKeyValue string
}

// OAuthParameters describe how OAUTH_CLIENT_CREDENTIALS obtains a token.
type OAuthParameters struct {
	ClientParameters      *OAuthClientParameters
	AuthorizationEndpoint string
	HttpMethod            string // GET, POST or PUT
	OAuthHttpParameters   *ConnectionHttpParameters
}

// OAuthClientParameters are the OAuth client's credentials.
type OAuthClientParameters struct {
	ClientID     string
	ClientSecret string
}

// ConnectionHttpParameters are added to requests: to the token request in
// OAuthHttpParameters, to every invocation in InvocationHttpParameters.
type ConnectionHttpParameters struct {
	HeaderParameters      []ConnectionParameter
	QueryStringParameters []ConnectionParameter
	BodyParameters        []ConnectionParameter
}

// ConnectionParameter is one header, query string or body parameter.
type ConnectionParameter struct {
	Key           string
	Value         string
	IsValueSecret bool
}

func (d *decoder) connection(path string, n ast.Node) Connection {
	c := Connection{Key: path}
	ap := &c.AuthParameters
	d.object(path, n, fields{
		"Name":              d.str(&c.Name),
		"Description":       d.str(&c.Description),
		"AuthorizationType": d.str(&c.AuthorizationType),
		"AuthParameters": func(p string, n ast.Node) {
			d.object(p, n, fields{
				"BasicAuthParameters": block(d, &ap.BasicAuthParameters, func(x *BasicAuthParameters) fields {
					return fields{"Username": d.str(&x.Username), "Password": d.str(&x.Password)}
				}),
				"ApiKeyAuthParameters": block(d, &ap.ApiKeyAuthParameters, func(x *ApiKeyAuthParameters) fields {
					return fields{"ApiKeyName": d.str(&x.ApiKeyName), "ApiKeyValue": d.str(&x.ApiKeyValue)}
				}),
				"OAuthParameters": block(d, &ap.OAuthParameters, func(x *OAuthParameters) fields {
					return fields{
						"ClientParameters": block(d, &x.ClientParameters, func(x *OAuthClientParameters) fields {
							return fields{"ClientID": d.str(&x.ClientID), "ClientSecret": d.str(&x.ClientSecret)}
						}),
						"AuthorizationEndpoint": d.str(&x.AuthorizationEndpoint),
						"HttpMethod":            d.str(&x.HttpMethod),
						"OAuthHttpParameters":   block(d, &x.OAuthHttpParameters, d.connectionHttpParameters),
					}
				}),
				"InvocationHttpParameters": block(d, &ap.InvocationHttpParameters, d.connectionHttpParameters),
			})
		},
	})
	return c
}

func (d *decoder) connectionHttpParameters(x *ConnectionHttpParameters) fields {
	params := func(dst *[]ConnectionParameter) field {
		return func(p string, n ast.Node) {
			d.list(p, n, func(p string, n ast.Node) {
				var cp ConnectionParameter
				d.object(p, n, fields{
					"Key":           d.str(&cp.Key),
					"Value":         d.str(&cp.Value),
					"IsValueSecret": d.bool(&cp.IsValueSecret),
				})
				*dst = append(*dst, cp)
			})
		}
	}
	return fields{
		"HeaderParameters":      params(&x.HeaderParameters),
		"QueryStringParameters": params(&x.QueryStringParameters),
		"BodyParameters":        params(&x.BodyParameters),
	}
}

func (c *checker) connections(conns []Connection) {
	seen := map[string]string{}
	for i, conn := range conns {
		p := index("Connections", i)
		c.required(p, "Name", conn.Name)
		c.unique(seen, conn.Name, child(p, "Name"), p, "connection "+quoted(conn.Name))
		c.required(p, "AuthorizationType", conn.AuthorizationType)
		c.oneOf(child(p, "AuthorizationType"), conn.AuthorizationType, AuthBasic, AuthApiKey, AuthOAuthClientCredentials)
		c.authParameters(child(p, "AuthParameters"), conn.AuthorizationType, conn.AuthParameters)
	}
}

func (c *checker) authParameters(path, authType string, ap AuthParameters) {
	// Each block must be there exactly when AuthorizationType names it; an
	// unknown or missing type has been reported already.
	blocks := []struct {
		key     string
		forType string
		present bool
	}{
		{"BasicAuthParameters", AuthBasic, ap.BasicAuthParameters != nil},
		{"ApiKeyAuthParameters", AuthApiKey, ap.ApiKeyAuthParameters != nil},
		{"OAuthParameters", AuthOAuthClientCredentials, ap.OAuthParameters != nil},
	}
	for _, b := range blocks {
		switch {
		case b.present && authType != b.forType && authType != "":
			c.errorf(child(path, b.key), "not used with AuthorizationType %s", authType)
		case !b.present && authType == b.forType:
			c.errorf(child(path, b.key), "required for AuthorizationType %s", authType)
		}
	}
	if b := ap.BasicAuthParameters; b != nil {
		bp := child(path, "BasicAuthParameters")
		c.required(bp, "Username", b.Username)
		c.required(bp, "Password", b.Password)
	}
	if k := ap.ApiKeyAuthParameters; k != nil {
		kp := child(path, "ApiKeyAuthParameters")
		c.required(kp, "ApiKeyName", k.ApiKeyName)
		c.required(kp, "ApiKeyValue", k.ApiKeyValue)
	}
	if o := ap.OAuthParameters; o != nil {
		op := child(path, "OAuthParameters")
		if o.ClientParameters == nil {
			c.errorf(child(op, "ClientParameters"), "required")
		} else {
			cp := child(op, "ClientParameters")
			c.required(cp, "ClientID", o.ClientParameters.ClientID)
			c.required(cp, "ClientSecret", o.ClientParameters.ClientSecret)
		}
		c.required(op, "AuthorizationEndpoint", o.AuthorizationEndpoint)
		c.httpURL(child(op, "AuthorizationEndpoint"), o.AuthorizationEndpoint)
		c.required(op, "HttpMethod", o.HttpMethod)
		c.oneOf(child(op, "HttpMethod"), o.HttpMethod, "GET", "POST", "PUT")
		c.connectionHttpParameters(child(op, "OAuthHttpParameters"), o.OAuthHttpParameters)
	}
	c.connectionHttpParameters(child(path, "InvocationHttpParameters"), ap.InvocationHttpParameters)
}

func (c *checker) connectionHttpParameters(path string, hp *ConnectionHttpParameters) {
	if hp == nil {
		return
	}
	for _, list := range []struct {
		key    string
		params []ConnectionParameter
	}{
		{"HeaderParameters", hp.HeaderParameters},
		{"QueryStringParameters", hp.QueryStringParameters},
		{"BodyParameters", hp.BodyParameters},
	} {
		for i, p := range list.params {
			c.required(index(child(path, list.key), i), "Key", p.Key)
		}
	}
}
