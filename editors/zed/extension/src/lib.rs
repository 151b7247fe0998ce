// Starts `dfix lsp` for Zed's Dockerfile language (from the Dockerfile extension).
// The binary is `lsp.dfix.binary` of the Zed settings when given, else `dfix` on the
// PATH; `lsp.dfix.settings` are the server's settings.
use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result, Worktree};

struct Dfix;

impl zed::Extension for Dfix {
    fn new() -> Self {
        Dfix
    }

    fn language_server_command(
        &mut self,
        id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.binary);
        let command = binary
            .as_ref()
            .and_then(|b| b.path.clone())
            .or_else(|| worktree.which("dfix"))
            .ok_or_else(|| {
                "dfix is not on the PATH: go install github.com/dfix-dev/dfix@latest, or set lsp.dfix.binary.path"
                    .to_string()
            })?;
        let args = binary
            .as_ref()
            .and_then(|b| b.arguments.clone())
            .unwrap_or_else(|| vec!["lsp".to_string()]);
        Ok(zed::Command {
            command,
            args,
            env: worktree.shell_env(),
        })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.settings))
    }

    fn language_server_workspace_configuration(
        &mut self,
        id: &LanguageServerId,
        worktree: &Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.settings)
            .map(|s| zed::serde_json::json!({ "dfix": s })))
    }
}

zed::register_extension!(Dfix);
