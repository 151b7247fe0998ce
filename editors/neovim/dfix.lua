-- dfix language server with nvim-lspconfig (Neovim 0.7 and later).
local lspconfig = require("lspconfig")
local configs = require("lspconfig.configs")

if not configs.dfix then
  configs.dfix = {
    default_config = {
      cmd = { "dfix", "lsp" },
      filetypes = { "dockerfile" },
      root_dir = lspconfig.util.root_pattern(".dfix.toml", ".hadolint.yaml", ".git"),
      single_file_support = true,
      settings = { dfix = {} },
    },
  }
end

lspconfig.dfix.setup({
  -- The editor's settings, on top of each Dockerfile's nearest .dfix.toml:
  -- unsafeFixes, select, ignore, config, noConfig, context, pin, pinLock, offline,
  -- args, debounce.
  settings = { dfix = {} },
})
