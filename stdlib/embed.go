// Package stdlib holds the standard library of .dl sources (optim/, diffusion/, loss/,
// ...) and embeds them so that the compiler finds them without a checkout.
// The frontend resolves `import "std/optim/lion"` to optim/lion.dl here.
package stdlib

import (
	"embed"
	"io/fs"
)

//go:embed optim/*.dl diffusion/*.dl loss/*.dl nn/*.dl
var files embed.FS

// FS returns the standard library sources, rooted at this directory:
// FS() contains optim/lion.dl, diffusion/ddim.dl, and so on.
func FS() fs.FS { return files }
