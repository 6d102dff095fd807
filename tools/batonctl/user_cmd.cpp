// `batonctl user add|list|token|revoke|remove` (INTERFACES.md §8): each one command to the engine
// (embedded, or batond with --connect), for admins. A new token goes alone to stdout, once, its
// id to stderr; nothing else ever prints a token (not --json either).
#include <iostream>

#include "tools/batonctl/engine_access.hpp"

namespace baton::ctl {

namespace {

result<nlohmann::json> user_call(context& ctx, const std::string& verb,
                                 std::map<std::string, std::string> args) {
  auto engine = open_engine(ctx);
  if (!engine) return engine.err();
  return call(*engine.value(), ctx, {verb, "", "", "", "", std::move(args)});
}

// Prints a reply that holds a new token: the token alone on stdout, `token id: ID` on stderr.
int print_token(const result<nlohmann::json>& r) {
  if (!r) return fail_api(r.err());
  std::cout << r.value().value("token", "") << std::endl;
  std::cerr << "token id: " << r.value().value("tokenId", "") << std::endl;
  return 0;
}

std::string list_text(const nlohmann::json& users) {
  std::string out;
  for (auto& u : users) {
    out += u.value("name", "") + "  " + u.value("role", "") + "  ";
    std::string ids;
    for (auto& t : u["tokens"]) ids += (ids.empty() ? "" : ", ") + t.value("id", "");
    out += (ids.empty() ? "no tokens" : "tokens: " + ids) + "\n";
  }
  return out.empty() ? "no users\n" : out;
}

}  // namespace

void add_user_commands(CLI::App& app, context& ctx) {
  auto* g = app.add_subcommand("user", "Users, their roles and API tokens (admins only)");
  g->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto role_name = std::make_shared<std::string>();
  auto token_id = std::make_shared<std::string>();

  auto* add = g->add_subcommand("add", "Add a user with a role; prints its first API token once");
  add->add_option("NAME", *name, "User name")->required();
  add->add_option("--role", *role_name, "admin, approver, manager or viewer")->required();
  add->callback([&ctx, name, role_name] {
    ctx.exit_code =
        print_token(user_call(ctx, "user-add", {{"name", *name}, {"role", *role_name}}));
  });

  auto* list = g->add_subcommand("list", "Users with their roles and token ids (never a token)");
  list->callback([&ctx] {
    auto r = user_call(ctx, "user-list", {});
    if (!r) {
      ctx.exit_code = fail_api(r.err());
      return;
    }
    std::cout << (ctx.global.json ? r.value().dump() + "\n" : list_text(r.value()));
  });

  auto* token = g->add_subcommand("token", "Issue one more API token for a user; prints it once");
  token->add_option("NAME", *name, "User name")->required();
  token->callback([&ctx, name] {
    ctx.exit_code = print_token(user_call(ctx, "user-token", {{"name", *name}}));
  });

  auto* revoke = g->add_subcommand("revoke", "Revoke one API token of a user by its id");
  revoke->add_option("NAME", *name, "User name")->required();
  revoke->add_option("TOKEN_ID", *token_id, "The token's id (from `user list`)")->required();
  revoke->callback([&ctx, name, token_id] {
    auto r = user_call(ctx, "user-revoke", {{"name", *name}, {"tokenId", *token_id}});
    if (!r) {
      ctx.exit_code = fail_api(r.err());
      return;
    }
    std::cout << (ctx.global.json ? r.value().dump() + "\n"
                                  : *name + ": token " + *token_id + " revoked\n");
  });

  auto* remove = g->add_subcommand("remove", "Remove a user and every token of it");
  remove->add_option("NAME", *name, "User name")->required();
  remove->callback([&ctx, name] {
    auto r = user_call(ctx, "user-remove", {{"name", *name}});
    if (!r) {
      ctx.exit_code = fail_api(r.err());
      return;
    }
    std::cout << (ctx.global.json ? r.value().dump() + "\n" : *name + ": removed\n");
  });
}

}  // namespace baton::ctl
