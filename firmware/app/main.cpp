// storybooth — the story-recording booth.
#include "app/commands.hpp"
#include "app/export.hpp"
#include "app/run.hpp"
#include "app/selftest.hpp"
#include "config/settings.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
    // Logs go to stderr (journald on the Pi); stdout carries only the commands' output.
    auto logger = spdlog::stderr_color_mt("storybooth");
    logger->set_pattern("%^%l%$: %v");
    spdlog::set_default_logger(logger);

    CLI::App app{"storybooth — records interviews at a story booth and keeps them safe.", "storybooth"};
    app.set_version_flag("--version", std::string("storybooth ") + STORYBOOTH_VERSION);
    app.require_subcommand(1);

    sb::app::DevicesOptions dev;
    auto* devices = app.add_subcommand("devices", "List the microphones (capture devices) the booth can see.");
    devices->add_flag("--json", dev.json, "Print a JSON array instead of a table");

    sb::app::RecordOptions rec;
    auto* record = app.add_subcommand("record", "Record one story into the catalog and finish it.");
    record->add_option("--data", rec.data, "Data folder (catalog and stories)")->capture_default_str();
    auto* dev_opt = record->add_option("--device", rec.device, "Microphone: part of its name (see 'storybooth devices')");
    auto* in_opt = record->add_option("--input", rec.input, "Simulated microphone: a WAV or FLAC file");
    dev_opt->excludes(in_opt);
    record->add_option("--channels", rec.channels, "Microphones to record: 1 or 2 (default: what the input has)")
        ->check(CLI::IsMember({1, 2}));
    record->add_option("--seconds", rec.seconds, "Stop by itself after this many seconds")->check(CLI::PositiveNumber);
    record->add_option("--bitrate", rec.bitrate, "Listening copy bitrate in bits per second")
        ->check(CLI::Range(16000, 256000))
        ->capture_default_str();
    record->add_option("--master", rec.master, "Lossless master: flac or none")
        ->check(CLI::IsMember({"flac", "none"}))
        ->capture_default_str();
    record->add_flag("--realtime", rec.realtime, "Deliver --input at real time, as a microphone would");
    record->add_option("--title", rec.title, "Title of the story");
    record->add_flag("--json", rec.json, "Print the result as one JSON object");

    sb::app::RecoverOptions recv;
    auto* recover = app.add_subcommand("recover", "Repair and keep recordings interrupted by a crash or power cut.");
    recover->add_option("--data", recv.data, "Data folder (catalog and stories)")->capture_default_str();
    recover->add_flag("--json", recv.json, "Print the recovered stories as a JSON array");

    sb::app::RunOptions run_opts;
    run_opts.version = STORYBOOTH_VERSION;
    auto* run = app.add_subcommand("run", "Run the booth: the touchscreen session, the admin pages and the sync API.");
    run->add_option("--config", run_opts.config, "Config file (every setting, commented: storybooth run --print-config)");
    run->add_flag("--print-config", run_opts.print_config, "Print the default config file and exit");
    for (const auto& k : sb::setting_keys()) {
        const std::string key = k.key;
        run->add_option_function<std::string>(
            "--" + key, [&run_opts, key](const std::string& v) { run_opts.flags[key] = v; }, k.help);
    }

    sb::app::SetPinOptions pin_opts;
    auto* admin = app.add_subcommand("admin", "Librarian administration from the command line.");
    admin->require_subcommand(1);
    auto* set_pin = admin->add_subcommand("set-pin", "Set the librarian PIN, read from standard input.");
    set_pin->add_option("--data", pin_opts.data, "Data folder (catalog and stories)")->capture_default_str();

    sb::app::ExportOptions exp;
    exp.version = STORYBOOTH_VERSION;
    auto* export_cmd = app.add_subcommand(
        "export", "Copy the booth's stories onto a USB drive for storysync (for a booth with no network).");
    export_cmd->footer(
        "Writes PATH/storybooth-export/<booth id>/ (booth.json, files/, changes.json last). Running it again copies only\n"
        "what changed and removes withdrawn stories. Exit codes: 0 done, 1 failed, 2 bad command line,\n"
        "3 PATH is missing, not a folder or not writable, 4 the drive is full.");
    export_cmd->add_option("--data", exp.data, "Data folder (catalog and stories)")->capture_default_str();
    export_cmd->add_option("--to", exp.to, "The drive or folder to export to, e.g. /media/usb")->required();
    export_cmd->add_flag("--json", exp.json, "Print the result as one JSON object");

    sb::app::SelftestOptions st;
    auto* selftest = app.add_subcommand("selftest", "Check that the booth can work: catalog, codecs, audio, pages, data folder.");
    selftest->footer("Exit codes: 0 everything works (warnings allowed), 1 something is wrong (listed), 2 bad command line.");
    selftest->add_option("--config", st.config, "Config file to take the data and ui folders from");
    selftest->add_option("--data", st.data, "Data folder (catalog and stories)");
    selftest->add_option("--ui", st.ui, "Folder of the touchscreen and admin pages");
    selftest->add_flag("--json", st.json, "Print the checks as one JSON object");

    sb::app::InfoOptions info_opts;
    info_opts.version = STORYBOOTH_VERSION;
    auto* info = app.add_subcommand("info", "Print the booth's id, name, code, version and listen address.");
    info->add_option("--config", info_opts.config, "Config file to take the data folder and listen address from");
    info->add_option("--data", info_opts.data, "Data folder (catalog and stories)");
    info->add_flag("--json", info_opts.json, "Print one JSON object");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "storybooth: %s (see 'storybooth --help')\n", e.what());
        return 2;
    }

    try {
        if (*devices) return sb::app::cmd_devices(dev);
        if (*record) {
            if (rec.device.empty() && rec.input.empty())
                throw std::runtime_error("choose a microphone with --device NAME (see 'storybooth devices') "
                                         "or a sound file with --input FILE");
            sb::app::install_signal_handlers();
            return sb::app::cmd_record(rec);
        }
        if (*recover) return sb::app::cmd_recover(recv);
        if (*run) return sb::app::cmd_run(run_opts);
        if (*set_pin) return sb::app::cmd_set_pin(pin_opts);
        if (*export_cmd) return sb::app::cmd_export(exp);
        if (*selftest) return sb::app::cmd_selftest(st);
        if (*info) return sb::app::cmd_info(info_opts);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "storybooth: %s\n", e.what());
        return 1;
    }
    return 0;
}
