package secret_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/trailbridge/trailbridge/secret"
)

func Example() {
	dir, _ := os.MkdirTemp("", "secret-example")
	defer os.RemoveAll(dir)

	// With no configured key, trailbridge keeps a random one beside its data.
	key, err := secret.LoadOrCreateKey(filepath.Join(dir, "secret.key"))
	if err != nil {
		panic(err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		panic(err)
	}
	sealed, _ := box.Seal([]byte("hunter2"))
	plain, _ := box.Open(sealed)
	fmt.Println(string(plain), len(sealed) > len("hunter2"))
	// Output: hunter2 true
}
