//! The integration suite: real `upward` servers on SQLite and PostgreSQL,
//! driven over HTTP. One test binary; each scenario runs on both databases.

mod access;
mod account;
mod auth;
mod demo;
mod directory;
mod home;
mod imports;
mod matching;
mod newcomer;
mod people;
mod permissions;
mod platform;

use upward::both_backends;

both_backends! {
    every_route_against_every_role => crate::permissions::every_route_against_every_role;
    roles_and_relationships => crate::access::roles_and_relationships;
    every_home_link_opens => crate::home::every_home_link_opens;
    home_pages_say_what_to_do => crate::home::home_pages_say_what_to_do;
    deadlines_follow_the_clock => crate::home::deadlines_follow_the_clock;
    sign_in_and_out => crate::auth::sign_in_and_out;
    wrong_password_is_refused_then_rate_limited => crate::auth::wrong_password_is_refused_then_rate_limited;
    forgotten_password_by_emailed_link => crate::auth::forgotten_password_by_emailed_link;
    admin_invites_a_person_with_roles => crate::auth::admin_invites_a_person_with_roles;
    csrf_and_security_headers => crate::auth::csrf_and_security_headers;
    reset_and_invitation_links_are_never_readable_by_the_central_team => crate::auth::reset_and_invitation_links_are_never_readable_by_the_central_team;
    next_addresses_stay_on_site => crate::auth::next_addresses_stay_on_site;
    sign_in_limits_per_account_and_address => crate::auth::sign_in_limits_per_account_and_address;
    api_tokens_work_and_revoke => crate::account::api_tokens_work_and_revoke;
    calendar_feed_and_notification_settings => crate::account::calendar_feed_and_notification_settings;
    password_change_revokes_tokens_and_sessions => crate::account::password_change_revokes_tokens_and_sessions;
    api_and_forms_validate_alike => crate::account::api_and_forms_validate_alike;
    search_filter_sort_and_page_schools => crate::directory::search_filter_sort_and_page_schools;
    school_profile_hubs_trusts_and_people => crate::directory::school_profile_hubs_trusts_and_people;
    exports_csv_and_xlsx => crate::directory::exports_csv_and_xlsx;
    people_are_scoped_to_the_viewer => crate::directory::people_are_scoped_to_the_viewer;
    gias_bad_file_changes_nothing => crate::imports::gias_bad_file_changes_nothing;
    gias_import_adds_updates_and_closes => crate::imports::gias_import_adds_updates_and_closes;
    gias_import_over_the_api => crate::imports::gias_import_over_the_api;
    gias_import_of_many_rows => crate::imports::gias_import_of_many_rows;
    audit_trail_search_and_export => crate::platform::audit_trail_search_and_export;
    jobs_are_claimed_once => crate::platform::jobs_are_claimed_once;
    health_and_openapi => crate::platform::health_and_openapi;
    workflow_states_are_checked_by_the_database => crate::platform::workflow_states_are_checked_by_the_database;
    bad_input_never_breaks_a_page => crate::platform::bad_input_never_breaks_a_page;
    two_instances_share_one_database => crate::platform::two_instances_share_one_database;
    email_is_sent_by_smtp => crate::platform::email_is_sent_by_smtp;
    huge_requests_are_refused_and_busy_is_503 => crate::platform::huge_requests_are_refused_and_busy_is_503;
    upload_temp_files_are_removed_on_error => crate::platform::upload_temp_files_are_removed_on_error;
    a_database_failure_is_not_signed_out => crate::platform::a_database_failure_is_not_signed_out;
    review_teams_propose_edit_accept => crate::matching::review_teams_propose_edit_accept;
    groups_and_facilitators => crate::matching::groups_and_facilitators;
    theme_taxonomy_is_editable => crate::matching::theme_taxonomy_is_editable;
    two_managers_edit_one_proposal => crate::matching::two_managers_edit_one_proposal;
    propose_options_are_checked_once => crate::matching::propose_options_are_checked_once;
    home_items_for_the_central_team => crate::matching::home_items_for_the_central_team;
    pages_counts_searches_and_names_read_well => crate::newcomer::pages_counts_searches_and_names_read_well;
    demo_obeys_its_own_rules => crate::demo::demo_obeys_its_own_rules;
    central_team_edits_what_matching_uses => crate::people::central_team_edits_what_matching_uses;
    only_the_central_team_edits_and_dbs_stays_confidential => crate::people::only_the_central_team_edits_and_dbs_stays_confidential;
}
