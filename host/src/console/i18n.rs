//! Every label of the console in English and Japanese, in one table: a label
//! is a variant of [`T`], so a page cannot use one that lacks a translation.
//! The language comes from the `isac_lang` cookie (the switch in the header)
//! or else the browser's `Accept-Language`; dates are shown in JST with the
//! Japanese fiscal year (April to March) as the source document counts it.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

use crate::council::fiscal_year::{FiscalYear, JST};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "isac_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The switch's choice, else the first of the browser's languages we have
    /// (weights are ignored: browsers list languages in preference order).
    pub fn of_request(headers: &HeaderMap) -> Lang {
        if let Some(lang) =
            super::session::cookie(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c))
        {
            return lang;
        }
        let accepted = headers
            .get_all(ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|tag| tag.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase());
        for tag in accepted {
            let primary = tag.split('-').next().unwrap_or_default();
            if let Some(lang) = Lang::parse(primary) {
                return lang;
            }
        }
        // Only a header naming neither language falls here (cookie-less API
        // clients, crawlers): the users are Japanese, but an unknown reader is
        // likelier to read English.
        Lang::En
    }

    /// A moment (Unix seconds) in JST, with its fiscal year.
    pub fn date(self, at: i64) -> String {
        let local = time::OffsetDateTime::from_unix_timestamp(at)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(JST);
        let year = FiscalYear::containing(at).year();
        let (y, mo, d, h, mi) = (
            local.year(),
            local.month() as u8,
            local.day(),
            local.hour(),
            local.minute(),
        );
        match self {
            Lang::En => format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02} JST (FY{year})"),
            Lang::Ja => format!("{y}年{mo}月{d}日 {h:02}:{mi:02} JST（{year}年度）"),
        }
    }

    /// An RFC 3339 time as [`Lang::date`] shows it (the text itself if it does not parse).
    pub fn date_text(self, rfc3339: &str) -> String {
        crate::model::unix_time::from_rfc3339(rfc3339)
            .map(|at| self.date(at))
            .unwrap_or_else(|_| rfc3339.to_string())
    }
}

macro_rules! texts {
    ($($name:ident: $en:literal, $ja:literal;)*) => {
        /// A label of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum T { $($name,)* }

        impl Lang {
            pub fn t(self, text: T) -> &'static str {
                match (self, text) {
                    $((Lang::En, T::$name) => $en, (Lang::Ja, T::$name) => $ja,)*
                }
            }
        }
    };
}

texts! {
    Title: "ISAC sharing console", "ISAC 情報共有コンソール";
    SignIn: "Sign in", "サインイン";
    SignOut: "Sign out", "サインアウト";
    Token: "Access token", "アクセストークン";
    TokenHelp: "The token the secretariat issued to you (isac_…). It is kept only as a hash.", "事務局が発行したトークン（isac_…）。ハッシュのみ保存されます。";
    BadToken: "This token is not valid: unknown, revoked, or its member is no longer approved.", "このトークンは無効です（不明、失効済み、または会員が承認されていません）。";
    SignedInAs: "Signed in as", "サインイン中";
    Language: "Language", "言語";
    Inbox: "Inbox", "受信箱";
    InboxLive: "Deliveries of the last 30 days, newest first; new ones appear here as they arrive.", "過去30日間の配信（新しい順）。新しい配信は届き次第ここに表示されます。";
    InboxEmpty: "Nothing delivered yet.", "まだ配信はありません。";
    Delivered: "Delivered", "配信日時";
    ReportTitle: "Title", "件名";
    Case: "Case", "事案";
    Community: "Community", "コミュニティ";
    Tlp: "TLP", "TLP";
    Confidence: "Confidence", "確度";
    Body: "Body", "本文";
    Victim: "Victim", "被害組織";
    Tags: "Tags", "タグ";
    Indicators: "Indicators", "指標";
    Withheld: "withheld", "非開示";
    Masked: "masked", "マスク済";
    Redactions: "Redactions", "秘匿処理";
    RedactionSummary: "masked spans / dropped indicators / dropped fields", "マスク箇所 / 除外した指標 / 除外した項目";
    Submitted: "Submitted", "提出日時";
    Submit: "Submit a report", "報告を提出";
    SubmitButton: "Submit", "提出する";
    SubmitHelp: "Report early, even on a hunch: your community's policy decides who reads what.", "違和感の段階でも早めに報告してください。誰が何を読めるかはコミュニティのポリシーが決めます。";
    IndicatorsHelp: "One per line: kind and value, e.g. \"domain evil.example\" (kinds: domain, ipv4, ipv6, url, email, sha256, cve, …).", "1行に1つ：種別と値（例：domain evil.example。種別：domain, ipv4, ipv6, url, email, sha256, cve など）。";
    TagsHelp: "Comma-separated.", "カンマ区切り。";
    Suspicion: "Suspicion (gut feeling)", "違和感（未確認）";
    Unconfirmed: "Unconfirmed", "未確定";
    Confirmed: "Confirmed", "確定";
    FixErrors: "Please correct the field marked below.", "下記の項目を修正してください。";
    ReportSent: "Report submitted", "報告を提出しました";
    Quarantined: "The policy faulted: the report is quarantined (kept, not delivered).", "ポリシーが異常終了したため、報告は隔離されました（保存のみ・未配信）。";
    Recipients: "Recipients", "受信者";
    Forbidden: "You may not open this page", "このページを開く権限がありません";
    ForbiddenText: "Your role does not allow this page. The API refuses the same request.", "このページはあなたの役割では閲覧できません（APIも同じ要求を拒否します）。";
    NotFound: "Not found", "見つかりません";
    NotFoundText: "There is nothing here, or it is not yours to see.", "該当するものがないか、閲覧できないものです。";
    Problem: "The request could not be done", "要求を実行できませんでした";
    Back: "Back", "戻る";
    Operator: "Operator", "運営担当";
    Versions: "Policy versions", "ポリシーのバージョン";
    Active: "Active version", "有効なバージョン";
    Settings: "Settings", "設定";
    RequiredApprovals: "Required approvals", "必要な承認数";
    Status: "Status", "状態";
    Plugin: "Plugin", "プラグイン";
    StagedBy: "Staged by", "登録者";
    Approvals: "Approvals", "承認";
    Stage: "Stage a version", "バージョンを登録";
    StageHelp: "A built-in plugin (baseline, financials, give-and-take) or the sha256 of an uploaded one; settings as JSON.", "組み込みプラグイン名（baseline, financials, give-and-take）またはアップロード済みの sha256、設定は JSON。";
    StageButton: "Stage", "登録";
    Activate: "Activate", "有効化";
    Approve: "Approve", "承認";
    Rollback: "Roll back", "ロールバック";
    Shadow: "Shadow", "シャドー実行";
    Quarantine: "Quarantine", "隔離";
    Rerun: "Re-run", "再実行";
    Decisions: "Decision log", "判定ログ";
    Playground: "Policy playground", "ポリシー検証";
    PlaygroundHelp: "Runs a version on your report against the community's current roster in the sandbox: nothing is stored or delivered; the run is audit-logged.", "現在の会員名簿に対し、サンドボックスでバージョンを実行します。保存も配信もされず、実行は監査ログに記録されます。";
    Version: "Version", "バージョン";
    Submitter: "Submitter", "提出者";
    Run: "Run", "実行";
    Member: "Member", "会員";
    Received: "Received", "受信";
    NotReceived: "Not received", "受信なし";
    Why: "Why", "理由";
    Delay: "Delay", "遅延";
    View: "View", "閲覧内容";
    Differs: "differs from the active version", "有効なバージョンと異なる";
    Extra: "Differences (extra text highlighted)", "差分（追加表示される内容を強調）";
    SaveFixture: "Save as fixture (for plugin test)", "フィクスチャとして保存（plugin test 用）";
    Steering: "Steering committee", "運営委員会";
    Applications: "Applications to decide", "審査待ちの入会申請";
    PendingApprovals: "Policy versions awaiting approval", "承認待ちのポリシー";
    Refuse: "Refuse", "否認";
    Reason: "Reason", "理由";
    Secretariat: "Secretariat", "事務局";
    Communities: "Communities", "コミュニティ";
    AuditChain: "Audit chain", "監査チェーン";
    Intact: "intact", "改ざんなし";
    Entries: "entries", "件";
    Checkpoints: "Signed checkpoints", "署名済みチェックポイント";
    Issue: "Issue a token", "トークンを発行";
    None: "none", "なし";
    Yes: "yes", "はい";
    No: "no", "いいえ";
    Organisation: "Organisation", "組織";
    Class: "Class", "区分";
    ActiveSide: "Active version", "有効なバージョン";
    CandidateSide: "This version", "検証するバージョン";
    Fault: "Fault", "異常";
    Done: "Done", "完了しました";
    Cases: "Cases", "事案";
    RollbackTo: "Roll back to", "ロールバック先";
    PreviousVersion: "the version active before the current one", "現在の一つ前に有効だったバージョン";
    SkipToMain: "Skip to the content", "本文へ移動";
    MemberStatus: "Member status changes", "会員資格の変更";
    Component: "Plugin component (.wasm)", "プラグインコンポーネント（.wasm）";
    ComponentHelp: "Optional: a component to try instead of a stored version. It is loaded for this run only, not stored.", "任意：保存済みバージョンの代わりに試すコンポーネント。この実行のためだけに読み込まれ、保存されません。";
    ShadowDiffs: "Shadow diffs", "シャドー差分";
    Publications: "Publications", "公表情報";
    Statistics: "Statistics", "統計";
    CasesHandled: "Cases handled (new / continuing / closed)", "取扱事案（新規 / 継続 / 終了）";
    TrendReports: "Trend reports", "動向レポート";
    MembersOverTime: "Members at each fiscal year's end", "各年度末の会員数";
    ReportsBySector: "Reports by sector", "業種別の報告数";
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;

    #[test]
    fn language_comes_from_the_switch_then_the_browser() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::of_request(&headers), Lang::En);
        headers.insert(
            ACCEPT_LANGUAGE,
            "fr-FR, ja-JP;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::of_request(&headers), Lang::Ja);
        headers.insert(COOKIE, "isac_lang=en".parse().unwrap());
        assert_eq!(Lang::of_request(&headers), Lang::En);
    }

    #[test]
    fn dates_are_jst_with_the_fiscal_year() {
        // 2024-03-31 15:30 UTC is April 1 in Japan: FY2024 has begun.
        let at = crate::model::unix_time::from_rfc3339("2024-03-31T15:30:00Z").unwrap();
        assert_eq!(Lang::En.date(at), "2024-04-01 00:30 JST (FY2024)");
        assert_eq!(Lang::Ja.date(at), "2024年4月1日 00:30 JST（2024年度）");
    }
}
