//! `yrkesresan check`: the shipped config and pipelines pass; broken ones list
//! every problem with file and line.

use super::helpers::*;

fn repo() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_shipped_config_passes_once_its_placeholder_fixed_cost_is_decided() {
    // As shipped, the regional fixed cost is a placeholder nobody has decided:
    // check names it (with its line) and nothing else.
    let out = bin(&["check"], repo());
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("1 problem(s)"), "{msg}");
    let shipped = std::fs::read_to_string(config_path()).unwrap();
    let line = shipped.lines().position(|l| l == "[[billing.regional_fixed_cost]]").unwrap() + 1;
    assert!(
        msg.contains(&format!(
            "config/dalarna.toml:{line}: billing.regional_fixed_cost (2026) would bill 1 200 000,00 kr, invoiced in 2026-01 without a decision"
        )),
        "{msg}"
    );
    // Recorded as decided, the same config passes.
    let w = Workdir::new();
    let decided = w.config_with(&[Workdir::DECIDED_FIXED_COST]);
    let out = bin(&["check", "--config", decided.to_str().unwrap(), "--pipelines", "pipelines"], repo());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("15 municipalities"), "{}", text(&out));
    assert!(text(&out).contains("monthly-invoice runs monthly-invoice"), "{}", text(&out));
}

#[test]
fn every_config_problem_is_listed_with_its_line() {
    let w = Workdir::new();
    let config = w.config_with(&[
        ("code = \"2080\"", "code = \"208\""),
        ("rule = \"per_day\"", "rule = \"per_person\""),
        ("fee = \"450\"", "fee = \"fyrahundra\""),
        ("email = \"anna.andersson@vansbro.example\"", "email = \"anna.andersson\""),
        ("inbox_days = 30", "inbox_days = 0"),
        ("leader_share = \"1.25\"", "leader_share = \"79228162514264337593543950335\""),
    ]);
    let text_of_config = std::fs::read_to_string(&config).unwrap();
    let line_of = |needle: &str| text_of_config.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let pipelines = w.path().join("pipelines");
    std::fs::create_dir_all(&pipelines).unwrap();
    std::fs::write(
        pipelines.join("bad.toml"),
        "name = \"x\"\njob = \"monthly\"\nschedule = \"0 6 1 * *\"\ntimezone = \"Mars/Olympus\"\n",
    )
    .unwrap();
    let out = bin(
        &["check", "--config", &config.display().to_string(), "--pipelines", &pipelines.display().to_string()],
        w.path(),
    );
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    let cfg = config.display().to_string();
    for expected in [
        format!("{cfg}:{}: municipality.code: '208' is not a municipality code", line_of("code = \"208\"")),
        format!("{cfg}:{}: trainer_pot.rule 'per_person'", line_of("rule = \"per_person\"")),
        format!("{cfg}:{}: tariff 2026 chef: fee: 'fyrahundra' is not a number", line_of("fee = \"fyrahundra\"")),
        format!("{cfg}:{}: municipality 2021 Vansbro, contact Anna Andersson", line_of("email = \"anna.andersson\"")),
        format!("{cfg}:{}: retention.inbox_days 0 must be between 1 and 3650", line_of("inbox_days = 0")),
        format!(
            "{cfg}:{}: tariff 2026 medarbetare: leader_share 79228162514264337593543950335 is above 100 points",
            line_of("leader_share = \"7922816")
        ),
        "bad.toml:2: job 'monthly' is unknown".to_string(),
        "bad.toml:3: schedule '0 6 1 * *' is not a cron expression with seconds".to_string(),
        "bad.toml:4: timezone 'Mars/Olympus'".to_string(),
    ] {
        assert!(msg.contains(&expected), "missing «{expected}» in:\n{msg}");
    }
}

#[test]
fn a_pipeline_naming_an_unknown_source_or_a_missing_address_is_refused() {
    let w = Workdir::new();
    let pipelines = w.path().join("pipelines");
    std::fs::create_dir_all(&pipelines).unwrap();
    std::fs::write(
        pipelines.join("sync.toml"),
        "name = \"sync\"\njob = \"nightly-sync\"\nschedule = \"0 30 2 * * *\"\nemail = true\nsources = [\"nope\"]\nrecipients = [\"project_lead\"]\n",
    )
    .unwrap();
    let config = w.config_with(&[("project_lead = \"projektledare@rss-dalarna.example\"\n", "")]);
    let out =
        bin(&["check", "--config", config.to_str().unwrap(), "--pipelines", pipelines.to_str().unwrap()], w.path());
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("sync.toml: sources names 'nope', which is no [[source]] or [[webservice]]"), "{msg}");
    assert!(msg.contains("sync.toml: recipients names project_lead, but"), "{msg}");
}

#[test]
fn a_pipeline_in_another_time_zone_than_the_region_is_refused_by_check_and_serve() {
    let w = Workdir::new();
    let pipelines = w.path().join("pipelines");
    std::fs::create_dir_all(&pipelines).unwrap();
    std::fs::write(
        pipelines.join("sync.toml"),
        "name = \"sync\"\njob = \"nightly-sync\"\nschedule = \"0 30 2 * * *\"\ntimezone = \"Europe/Helsinki\"\n",
    )
    .unwrap();
    let config = w.config_with(&[Workdir::DECIDED_FIXED_COST]);
    let expected = "sync.toml: timezone 'Europe/Helsinki' differs from region.timezone 'Europe/Stockholm'";
    let args = ["--config", config.to_str().unwrap(), "--pipelines", pipelines.to_str().unwrap()];
    let out = bin(&[&["check"][..], &args].concat(), w.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains(expected), "{}", text(&out));
    let state = w.out().display().to_string();
    let out = bin(&[&["serve", "--out", &state][..], &args].concat(), w.path());
    assert_ne!(out.status.code(), Some(0), "serve refuses to start: {}", text(&out));
    assert!(text(&out).contains(expected), "{}", text(&out));
}

/// The shipped config, decided, with `extra` appended; `check` run on it.
fn check_with(w: &Workdir, extra: &str) -> (std::process::Output, String) {
    let config = w.config_with(&[Workdir::DECIDED_FIXED_COST]);
    let text = std::fs::read_to_string(&config).unwrap() + "\n" + extra;
    std::fs::write(&config, &text).unwrap();
    let out = bin(&["check", "--config", config.to_str().unwrap(), "--pipelines", "pipelines"], repo());
    (out, text)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle}")) + 1
}

#[test]
fn a_token_over_plain_http_is_refused_unless_the_host_is_loopback() {
    let w = Workdir::new();
    let (out, text) = check_with(
        &w,
        "[[source]]\nname = \"remote\"\nurl = \"http://totara.example/report.csv\"\nauth = \"bearer\"\ntoken_env = \"T\"\n\n\
         [[source]]\nname = \"open\"\nurl = \"http://totara.example/public.csv\"\n\n\
         [[webservice]]\nname = \"ws\"\nbase_url = \"http://totara.example\"\ntoken_env = \"W\"\n",
    );
    let msg = super::helpers::text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("2 problem(s)"), "the source without a token may use http: {msg}");
    let remote = line_of(&text, "url = \"http://totara.example/report.csv\"");
    assert!(
        msg.contains(&format!(
            "config.toml:{remote}: source 'remote': http:// would send the token in clear text; use https:// (plain http is allowed only for a loopback host)"
        )),
        "{msg}"
    );
    let ws = line_of(&text, "base_url = \"http://totara.example\"");
    assert!(
        msg.contains(&format!("config.toml:{ws}: webservice 'ws': http:// would send wstoken in clear text")),
        "{msg}"
    );

    let w = Workdir::new();
    let (out, _) = check_with(
        &w,
        "[[source]]\nname = \"local\"\nurl = \"http://127.0.0.1:8080/report.csv\"\nauth = \"token\"\ntoken_env = \"T\"\n\n\
         [[source]]\nname = \"local6\"\nurl = \"http://[::1]:8080/report.csv\"\nauth = \"bearer\"\ntoken_env = \"T\"\n\n\
         [[webservice]]\nname = \"ws\"\nbase_url = \"http://localhost:8080\"\ntoken_env = \"W\"\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", super::helpers::text(&out));
}

#[test]
fn download_bounds_must_be_above_zero() {
    let w = Workdir::new();
    let (out, text) = check_with(
        &w,
        "[[source]]\nname = \"r\"\nurl = \"https://totara.example/r.csv\"\nmax_bytes = 0\ndeadline_seconds = -5\n\n\
         [[webservice]]\nname = \"ws\"\nbase_url = \"https://totara.example\"\ntoken_env = \"W\"\nmax_pages = 0\n",
    );
    let msg = super::helpers::text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    for (needle, expected) in [
        ("max_bytes = 0", "source 'r': max_bytes must be above 0 (it is 0)"),
        ("deadline_seconds = -5", "source 'r': deadline_seconds must be above 0 (it is -5)"),
        ("max_pages = 0", "webservice 'ws': max_pages must be above 0 (it is 0)"),
    ] {
        let expected = format!("config.toml:{}: {expected}", line_of(&text, needle));
        assert!(msg.contains(&expected), "missing «{expected}» in:\n{msg}");
    }
}

#[test]
fn two_municipalities_whose_names_give_one_file_name_are_refused() {
    let w = Workdir::new();
    let config = w.config_with(&[("name = \"Vansbro\"", "name = \"Malung Salen\"")]);
    let out = bin(&["check", "--config", config.to_str().unwrap(), "--pipelines", "pipelines"], repo());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("gives the file name 'malung-salen', as"), "{}", text(&out));
}
