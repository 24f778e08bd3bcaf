package config

import "github.com/goccy/go-yaml/ast"

// AccessKey is a SigV4 credential the server accepts.
type AccessKey struct {
	Key             string `yaml:"-"` // path in the file, such as AccessKeys[0]
	AccessKeyId     string
	SecretAccessKey string
}

func (d *decoder) accessKey(path string, n ast.Node) AccessKey {
	k := AccessKey{Key: path}
	d.object(path, n, fields{
		"AccessKeyId":     d.str(&k.AccessKeyId),
		"SecretAccessKey": d.str(&k.SecretAccessKey),
	})
	return k
}

func (c *checker) accessKeys(keys []AccessKey) {
	seen := map[string]string{}
	for i, k := range keys {
		p := index("AccessKeys", i)
		c.required(p, "AccessKeyId", k.AccessKeyId)
		c.required(p, "SecretAccessKey", k.SecretAccessKey)
		c.unique(seen, k.AccessKeyId, child(p, "AccessKeyId"), p, "access key "+quoted(k.AccessKeyId))
	}
}
