# shellcheck shell=bash
# prepare_demo_db: create or upgrade the demo database $CMR_DB (make run,
# make screenshots).  Source it after tools/odoo_conf.sh.
#
# The demo is a Chinese company in Chinese (tools/demo_china.py): a new
# database gets zh_CN and zh_TW, the company is set up in China before any
# accounting entry, and Odoo's Chinese chart of accounts (l10n_cn) comes
# before the addon. CMR_DEMO_CHINA=0 keeps Odoo's default American company.
prepare_demo_db() {
    local langs=en_US,zh_CN,zh_TW
    local state
    state=$(module_state "$CMR_DB")
    if [ "$state" = installed ]; then
        odoo_install_db "$CMR_DB" run-upgrade -u "$CMR_MODULE"
    elif [ "${CMR_DEMO_CHINA:-1}" = 1 ]; then
        # Each step checks by itself whether it is done, so a run that was
        # interrupted goes on where it stopped.
        [ -n "$state" ] || odoo_install_db "$CMR_DB" run-base -i base --load-language="$langs"
        odoo_shell_script "$CMR_DB" "$CMR_ROOT/tools/demo_china.py" CMR_DEMO_PHASE=company
        # Its own run: Odoo loads a company's chart at the end of the run
        # that installs it, and the addon's demo posts invoices.
        [ "$(module_state "$CMR_DB" l10n_cn)" = installed ] \
            || odoo_install_db "$CMR_DB" run-chart -i l10n_cn
        odoo_install_db "$CMR_DB" run-install -i "$CMR_MODULE" --load-language="$langs"
    else
        odoo_install_db "$CMR_DB" run-install -i "$CMR_MODULE" --load-language="$langs"
    fi
    # Once per database (it records that it ran): staff and customers in
    # their languages.
    [ "${CMR_DEMO_CHINA:-1}" != 1 ] \
        || odoo_shell_script "$CMR_DB" "$CMR_ROOT/tools/demo_china.py" CMR_DEMO_PHASE=people
}
