package fix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix/shell"
	"github.com/dfix-dev/dfix/rewrite"
)

func TestDepResolve(t *testing.T) {
	for _, tc := range []struct{ cwd, p, want string }{
		{"/app", "requirements.txt", "/app/requirements.txt"},
		{"/app", "/tmp/r.txt", "/tmp/r.txt"},
		{"/app", "../x", "/x"},
		{"?", "a/b", "?/a/b"},
		{"?", "../x", ""}, // above the unknown base folder
		{"", "x", ""},
		{"/app", "~/x", ""},
	} {
		if got := depResolve(tc.cwd, tc.p); got != tc.want {
			t.Errorf("depResolve(%q, %q) = %q, want %q", tc.cwd, tc.p, got, tc.want)
		}
	}
	if !depUnder("/app/x", "/app") || depUnder("/application", "/app") || !depUnder("/x", "/") || depUnder("/x", "?") {
		t.Error("depUnder")
	}
}

// TestDepRecognize checks which commands are dependency installs and what they read.
func TestDepRecognize(t *testing.T) {
	for _, tc := range []struct {
		run    string
		tool   string // "" when it is not an install
		wants  string // first wants, space separated
		refuse bool
	}{
		{"pip install -r requirements.txt", "pip install", "requirements.txt", false},
		{"pip3 install --no-cache-dir -rreq.txt", "pip install", "req.txt", false},
		{"python3 -m pip install --requirement=dev.txt -c c.txt", "pip install", "dev.txt c.txt", false},
		{"/opt/venv/bin/pip install -r r.txt .", "pip install", "r.txt", true},
		{"pip install flask gunicorn", "", "", false},
		{"uv pip sync requirements.lock", "uv pip sync", "requirements.lock", false},
		{"uv sync --frozen", "uv sync", "pyproject.toml uv.lock", false},
		{"npm ci", "npm ci", "package.json package-lock.json", false},
		{"npm install -g pnpm", "", "", false},
		{"npm install ../lib", "npm install", "package.json", true},
		{"npm run build", "", "", false},
		{"yarn --frozen-lockfile", "yarn", "package.json yarn.lock", false},
		{"yarn build", "", "", false},
		{"pnpm fetch", "pnpm fetch", "pnpm-lock.yaml", false},
		{"go mod download", "go mod download", "go.mod go.sum", false},
		{"go build ./...", "", "", false},
		{"bundle install --jobs 4", "bundle install", "Gemfile Gemfile.lock", false},
		{"composer install --no-dev", "composer install", "composer.json composer.lock", false},
		{"php composer.phar install", "composer install", "composer.json", false},
		{"cargo fetch", "cargo fetch", "Cargo.toml Cargo.lock", false},
		{"mvn -B dependency:go-offline", "mvn dependency:go-offline", "pom.xml", false},
		{"mvn dependency:go-offline package", "mvn dependency:go-offline", "pom.xml", true},
		{"mvn package", "", "", false},
		{"./gradlew dependencies --no-daemon", "gradlew dependencies", "./gradlew build.gradle", false},
		{"gradle build", "", "", false},
		{"poetry install --no-root", "poetry install", "pyproject.toml poetry.lock", false},
		{"pipenv install --deploy --system", "pipenv install", "Pipfile Pipfile.lock", false},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte("FROM x\nRUN "+tc.run+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := shell.Parse(doc.Instructions[1])
		if err != nil {
			t.Fatal(err)
		}
		calls, _ := depFlatten(s, "/app", nil)
		d := depRecognize(calls[0])
		if tc.tool == "" {
			if d != nil {
				t.Errorf("%s: recognized as %q, want no install", tc.run, d.tool)
			}
			continue
		}
		if d == nil {
			t.Errorf("%s: not recognized, want %q", tc.run, tc.tool)
			continue
		}
		var wants []string
		for _, w := range d.wants[:min(len(d.wants), len(strings.Fields(tc.wants)))] {
			wants = append(wants, w.rel)
		}
		if d.tool != tc.tool || strings.Join(wants, " ") != tc.wants || (d.refuse != "") != tc.refuse {
			t.Errorf("%s: got %q wants %q refuse %q; want %q %q refuse=%v", tc.run, d.tool, wants, d.refuse, tc.tool, tc.wants, tc.refuse)
		}
	}
}

func TestDepRequirements(t *testing.T) {
	why, more := depRequirements([]byte("# deps\n-r base.txt\n--constraint=c.txt\nflask==3 \\\n  --hash=sha256:abc\nrequests @ https://x/y.whl\n"))
	if why != "" || len(more) != 2 || more[0].rel != "base.txt" || more[1].rel != "c.txt" {
		t.Errorf("got %q %v", why, more)
	}
	for _, local := range []string{"-e .\n", "./lib\n", "pkg @ file:///src/pkg\n", "-f ./wheels\n", "../shared\n"} {
		if why, _ := depRequirements([]byte(local)); why == "" {
			t.Errorf("%q: not refused", local)
		}
	}
	for _, remote := range []string{"-e git+https://github.com/a/b#egg=b\n", "django>=4; python_version>'3.8'\n", "--index-url https://x/simple\n"} {
		if why, _ := depRequirements([]byte(remote)); why != "" {
			t.Errorf("%q: refused: %s", remote, why)
		}
	}
}

// TestDepDockerfileIgnore checks that <Dockerfile>.dockerignore wins over the
// context's .dockerignore, as BuildKit has it.
func TestDepDockerfileIgnore(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"app.Dockerfile":              "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"app.Dockerfile.dockerignore": "package-lock.json\n",
		".dockerignore":               "package.json\n",
		"package.json":                "{}",
		"package-lock.json":           "{}",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "app.Dockerfile")
	rules, _ := Select(Rules(), []string{"copy-deps-first"}, nil)
	res, err := Run(path, []byte(files["app.Dockerfile"]), Options{Rules: rules, UnsafeFixes: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "FROM node:22\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n"
	if string(res.Output) != want {
		t.Errorf("got\n%s\nwant\n%s", res.Output, want)
	}
}

// TestDepStageEnvGlobalArgs pins what an ARG without a default in a stage takes from the
// global ARGs, read as BuildKit reads them (MetaArgs).
func TestDepStageEnvGlobalArgs(t *testing.T) {
	for _, tc := range []struct{ name, globals, wd string }{
		{"a plain default", "ARG DIR=/opt/app\n", "/opt/app"},
		{"a quoted default", "ARG DIR=\"/opt/app\"\n", "/opt/app"},
		{"a default that reads an earlier global ARG", "ARG BASE=/opt\nARG DIR=$BASE/app\n", "/opt/app"},
		{"a global declared again without a default keeps its default", "ARG DIR=/opt/app\nARG DIR\n", "/opt/app"},
		{"a global without a default leaves the folder unknown", "ARG DIR\n", ""},
		{"an empty default leaves the folder unknown", "ARG DIR=\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := rewrite.Parse("Dockerfile", []byte(tc.globals+"FROM debian\nARG DIR\nWORKDIR $DIR\nRUN make\n"))
			if err != nil {
				t.Fatal(err)
			}
			last := doc.Instructions[len(doc.Instructions)-1]
			if got := depStageEnvOf(computeFacts(doc)).wd[last.Index]; got != tc.wd {
				t.Errorf("working folder %q, want %q", got, tc.wd)
			}
		})
	}
}
