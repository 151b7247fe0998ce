// dfix for VS Code: starts `dfix lsp` and connects it with vscode-languageclient.
// Everything the editor shows and changes comes from the server; this file only
// starts it and passes the "dfix" settings on.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

// The settings the server reads (lsp.Settings in dfix's source).
const SERVER_SETTINGS = ["unsafeFixes", "select", "ignore", "config", "noConfig", "context",
  "pin", "pinLock", "offline", "args", "debounce"];

let client;

function serverSettings() {
  const config = vscode.workspace.getConfiguration("dfix");
  const settings = {};
  for (const key of SERVER_SETTINGS) {
    const value = config.get(key);
    if (value !== null && value !== undefined) {
      settings[key] = value;
    }
  }
  return settings;
}

async function activate(context) {
  const command = vscode.workspace.getConfiguration("dfix").get("path") || "dfix";
  // No transport given: standard input and output, and no --stdio argument added.
  const serverOptions = { command, args: ["lsp"] };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "dockerfile" },
      { scheme: "untitled", language: "dockerfile" },
    ],
    initializationOptions: serverSettings(),
    synchronize: { configurationSection: "dfix" },
  };
  client = new LanguageClient("dfix", "dfix", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("dfix.fixAllInFile", () =>
      vscode.commands.executeCommand("editor.action.sourceAction", { kind: "source.fixAll.dfix", apply: "first" })),
    vscode.commands.registerCommand("dfix.restartServer", () => client.restart()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("dfix.path")) {
        vscode.window.showInformationMessage("dfix: restart the language server to use the new dfix.path (dfix: Restart the language server).");
      }
    }),
  );
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
