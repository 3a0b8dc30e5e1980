// storysync — pulls stories off story booths into the volunteer's library.
#include "storysync/cli_options.hpp"
#include "storysync/commands.hpp"
#include "storysync/config.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) must fail the write with EFBIG, reported as a full disk,
    // rather than kill the program mid-file.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    auto logger = spdlog::stderr_color_mt("storysync");
    logger->set_pattern("%^%l%$: %v");
    spdlog::set_default_logger(logger);

    using namespace sb::storysync;
    CLI::App app{"storysync — pulls the stories off story booths, safely, into your library.", "storysync"};
    app.set_version_flag("--version", std::string("storysync ") + STORYSYNC_VERSION);
    app.require_subcommand(1);
    app.fallthrough();

    Settings s;
    std::string library, config;
    bool print_config = false;
    add_settings_options(app, s, default_config_file());
    auto* print_config_flag = app.add_flag("--print-config", print_config, "Print the commented config file and exit");
    app.require_subcommand(0, 1);

    std::string url, code, host_name = this_host_name();
    auto* pair = app.add_subcommand("pair", "Pair this laptop with a booth, using a code from its admin page (Pairing).");
    pair->add_option("URL", url, "The booth's address, e.g. http://192.168.1.20:8080")->required();
    pair->add_option("CODE", code, "The one-time pairing code the booth shows, e.g. ABCD-EFGH")->required();
    pair->add_option("--name", host_name, "What the booth will call this laptop")->capture_default_str();

    bool booths_json = false;
    auto* booths = app.add_subcommand("booths", "List the booths this library knows, with their last sync.");
    booths->add_flag("--json", booths_json, "Print a JSON array");

    std::string unpair_name;
    auto* unpair = app.add_subcommand("unpair", "Forget a booth's pairing (its stories stay in the library).");
    unpair->add_option("NAME", unpair_name, "The booth's name, code or id (see 'storysync booths')")->required();

    std::vector<std::string> pull_what;
    auto* pull = app.add_subcommand(
        "pull", "Get every new story from every paired booth (or those named), or from a USB export folder.");
    pull->add_option("NAME|PATH", pull_what,
                     "Booth names, codes or ids; or the path of a USB drive or export folder (default: every paired booth)");

    std::string list_booth, list_share;
    bool list_json = false;
    auto* list = app.add_subcommand("list", "List the stories in the library, newest first.");
    list->add_option("--booth", list_booth, "Only stories from this booth (name, code or id)");
    list->add_option("--share", list_share, "Only stories with this share level")->check(CLI::IsMember({"private", "community"}));
    list->add_flag("--json", list_json, "Print a JSON array");

    std::string show_what;
    bool show_json = false;
    auto* show = app.add_subcommand("show", "Show one story: people, consents, questions, chapters and files.");
    show->add_option("ID|CODE", show_what, "The story's id or code (e.g. MAIN-0042)")->required();
    show->add_flag("--json", show_json, "Print JSON");

    std::vector<std::string> search_words;
    bool search_json = false;
    auto* search = app.add_subcommand("search", "Find stories by words in their title, description, names, keywords or questions.");
    search->add_option("TEXT", search_words, "Words that must all appear (any case)")->required();
    search->add_flag("--json", search_json, "Print a JSON array");

    auto* verify = app.add_subcommand("verify", "Re-hash every file in the library; exit non-zero if any is missing or damaged.");

    std::filesystem::path publish_out, publish_check;
    auto* publish = app.add_subcommand(
        "publish", "Make the podcast feed and website of every story whose participants all chose to share it.");
    auto* out_opt = publish->add_option("--out", publish_out, "Folder to publish into (created if missing; upload it to --base-url)");
    auto* check_opt = publish->add_option("--check", publish_check, "Check a published folder instead, listing every problem");
    out_opt->excludes(check_opt);

    std::filesystem::path bag_out, bag_verify;
    std::vector<std::string> bag_stories;
    bool bag_all = false, bag_shared = false;
    auto* exp = app.add_subcommand("export", "Package stories for an archive as a BagIt bag, or check a bag.");
    auto* bagit_opt = exp->add_option("--bagit", bag_out, "Write a BagIt bag to this new folder");
    auto* story_opt = exp->add_option("--story", bag_stories, "A story to include: its id or code (repeat for more)");
    auto* all_opt = exp->add_flag("--all", bag_all, "Include every story in the library (private ones too)");
    auto* shared_opt = exp->add_flag("--shared", bag_shared, "Include only stories whose participants all chose to share them");
    auto* verify_opt = exp->add_option("--verify", bag_verify, "Check the bag in this folder: completeness and every checksum");
    verify_opt->excludes(bagit_opt)->excludes(story_opt)->excludes(all_opt)->excludes(shared_opt);
    all_opt->excludes(story_opt);

    for (auto* sub : {pair, booths, unpair, pull, list, show, search, verify, publish, exp}) sub->fallthrough();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (*print_config_flag) {
            std::fputs(default_config_text().c_str(), stdout);
            return 0;
        }
        std::fprintf(stderr, "storysync: %s (see 'storysync --help')\n", e.what());
        return 2;
    }
    if (print_config) {
        std::fputs(default_config_text().c_str(), stdout);
        return 0;
    }

    try {
        if (*pair) return cmd_pair(s, url, code, host_name);
        if (*booths) return cmd_booths(s, booths_json);
        if (*unpair) return cmd_unpair(s, unpair_name);
        if (*pull) return cmd_pull(s, pull_what);
        if (*list) return cmd_list(s, list_booth, list_share, "", list_json);
        if (*show) return cmd_show(s, show_what, show_json);
        if (*search) {
            std::string text;
            for (const auto& w : search_words) text += (text.empty() ? "" : " ") + w;
            return cmd_list(s, "", "", text, search_json);
        }
        if (*verify) return cmd_verify(s);
        if (*publish) {
            if (*check_opt) return cmd_publish_check(s, publish_check);
            if (!*out_opt) {
                std::fprintf(stderr, "storysync: publish needs --out DIR (or --check DIR) (see 'storysync publish --help')\n");
                return 2;
            }
            return cmd_publish(s, publish_out);
        }
        if (*exp) {
            if (*verify_opt) return cmd_verify_bag(s, bag_verify);
            if (!*bagit_opt) {
                std::fprintf(stderr, "storysync: export needs --bagit OUT (or --verify BAG) (see 'storysync export --help')\n");
                return 2;
            }
            if (!bag_all && !bag_shared && bag_stories.empty()) {
                std::fprintf(stderr, "storysync: say which stories: --story ID (repeatable), --all or --shared\n");
                return 2;
            }
            return cmd_export_bagit(s, bag_out, bag_stories, bag_shared);
        }
        std::fprintf(stderr, "storysync: choose a command (see 'storysync --help')\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "storysync: %s\n", e.what());
        return 1;
    }
}
