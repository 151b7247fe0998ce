-- An end-to-end session of `dfix lsp` with Neovim's built-in LSP client (0.7 and
-- later), run headless by lspnvim_test.go: open a Dockerfile, wait for the
-- diagnostics, hover, apply the "ignore exec-form here" code action, format, write,
-- stop the server. What happened is written as JSON to $DFIX_OUT; the Go test checks
-- it and the written file.
local bin, file, outpath = os.getenv("DFIX_BIN"), os.getenv("DFIX_FILE"), os.getenv("DFIX_OUT")
local result = { steps = {} }

local function step(name) table.insert(result.steps, name) end

local function finish(code)
  local f = assert(io.open(outpath, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  if code == 0 then vim.cmd("qa!") else vim.cmd("cquit " .. code) end
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({
    name = "dfix",
    cmd = { bin, "lsp" },
    root_dir = vim.fn.fnamemodify(file, ":h"),
    on_exit = function(code, signal) result.exit_code = code; result.exit_signal = signal end,
  })
  assert(id, "vim.lsp.start_client failed")
  assert(vim.lsp.buf_attach_client(buf, id), "buf_attach_client failed")
  local client = vim.lsp.get_client_by_id(id)
  step("started")

  assert(vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 20), "no diagnostics")
  result.diagnostics = {}
  local cmd_line
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, end_col = d.end_col, code = code,
      source = d.source, severity = d.severity, message = d.message })
    if code == "exec-form" then cmd_line = d.lnum end
  end
  assert(cmd_line, "no exec-form diagnostic")
  result.encoding = client.offset_encoding
  step("diagnostics")

  local uri = vim.uri_from_bufnr(buf)
  local hover = client.request_sync("textDocument/hover",
    { textDocument = { uri = uri }, position = { line = cmd_line, character = 1 } }, 10000, buf)
  assert(hover and hover.result, "no hover: " .. vim.inspect(hover))
  result.hover = hover.result.contents.value
  step("hover")

  local res = client.request_sync("textDocument/codeAction", {
    textDocument = { uri = uri },
    range = { start = { line = cmd_line, character = 0 }, ["end"] = { line = cmd_line, character = 0 } },
    context = { diagnostics = {} },
  }, 10000, buf)
  assert(res and res.result, "no code actions: " .. vim.inspect(res))
  result.actions = {}
  local ignore
  for _, a in ipairs(res.result) do
    table.insert(result.actions, a.title)
    if a.title == "dfix: ignore exec-form here" then ignore = a end
  end
  assert(ignore, "no ignore action")
  vim.lsp.util.apply_workspace_edit(ignore.edit, client.offset_encoding)
  step("code action")

  if vim.lsp.buf.format then
    vim.lsp.buf.format({ timeout_ms = 10000 })
  else
    vim.lsp.buf.formatting_sync(nil, 10000)
  end
  vim.cmd("write")
  step("formatted")

  vim.lsp.stop_client(id)
  assert(vim.wait(10000, function() return result.exit_code ~= nil end, 20), "the server did not exit")
  step("stopped")
end)
if not ok then
  result.error = tostring(err)
  finish(3)
else
  finish(0)
end
