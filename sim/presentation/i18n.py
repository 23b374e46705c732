"""Every word a briefing shows, in Vietnamese and English, and how numbers and dates are written.

Why one table: a committee reads the Vietnamese figures, a researcher checks
the English ones, and both must say the same thing. With every title, axis
label, legend entry, category name and sentence in :data:`TEXT` (one entry
per key, one string per language), a translation is checked and corrected in
one place, a test can prove that no key lacks a language, and plotting code
holds no user-visible wording of its own. The one exception is the names of
a commune's measures: they are the commune's data, labelled in both
languages in its ``measures.toml`` (:mod:`sim.inputs.measures`), so that a measure
added there needs no entry here.

Conventions (Vietnamese first, it is the briefing's default):

- numbers: ``1.234,5`` in Vietnamese (decimal comma, dot between thousands),
  ``1,234.5`` in English; years are never grouped (``2016``);
- percentages: ``45 %`` with a no-break space, in both languages;
- months: ``Thg 3`` / ``tháng 3`` in Vietnamese, ``Mar`` / ``March`` in English;
  a month of a year: ``Thg 3/2018`` or ``Mar 2018``; a date: ``28/11/2026`` or
  ``28 Nov 2026``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from sim.inputs.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from sim.inputs.languages import LANGUAGES as LANGUAGES

#: The no-break space between a number and its unit.
NBSP = "\u00a0"

#: key -> {language: text}. Texts may hold ``{name}`` fields filled by :func:`t`.
TEXT: dict[str, dict[str, str]] = {
    # -- general --------------------------------------------------------------
    "year": {"vi": "Năm", "en": "Year"},
    "people": {"vi": "Số người", "en": "People"},
    "probability": {"vi": "Xác suất", "en": "Probability"},
    "probability_axis": {"vi": "Xác suất (%)", "en": "Probability (%)"},
    "ci95": {"vi": "Khoảng tin cậy 95{nbsp}%", "en": "95{nbsp}% confidence interval"},
    "median": {"vi": "Trung vị", "en": "Median"},
    "band_50": {
        "vi": "50{nbsp}% kết quả mô phỏng nằm trong vùng này",
        "en": "Middle 50{nbsp}% of simulated outcomes",
    },
    "band_90": {
        "vi": "90{nbsp}% kết quả mô phỏng nằm trong vùng này",
        "en": "Middle 90{nbsp}% of simulated outcomes",
    },
    "not_in_results": {
        "vi": "Không có số liệu này trong kết quả đã lưu (hãy chạy lại mô phỏng)",
        "en": "Not in the stored results (run the simulation again)",
    },
    # -- the source line -------------------------------------------------------
    "source": {"vi": "Nguồn", "en": "Source"},
    "model": {"vi": "mô hình nahy-sim {version}", "en": "nahy-sim {version}"},
    "scenario_word": {"vi": "kịch bản", "en": "scenario"},
    "scenarios_word": {"vi": "kịch bản", "en": "scenarios"},
    "runs": {"vi": "{reps} lần mô phỏng", "en": "{reps} runs"},
    "runs_each": {"vi": "mỗi kịch bản {reps} lần mô phỏng", "en": "{reps} runs each"},
    "seed": {"vi": "seed {seed}", "en": "seed {seed}"},
    "computed_on": {"vi": "tính ngày {date}", "en": "computed {date}"},
    "source.commune": {"vi": "số liệu xã {commune}", "en": "{commune} commune data"},
    "source.params.commune": {
        "vi": "tham số từ hiệu chỉnh của xã (số liệu {years})",
        "en": "parameters from the commune's calibration ({years} record)",
    },
    "source.params.commune_undated": {
        "vi": "tham số từ hiệu chỉnh của xã",
        "en": "parameters from the commune's calibration",
    },
    "source.params.posterior": {
        "vi": "tham số từ một kết quả hiệu chỉnh (số liệu {years})",
        "en": "parameters from a calibration ({years} record)",
    },
    "source.params.posterior_undated": {
        "vi": "tham số từ một phân phối hậu nghiệm",
        "en": "parameters from a posterior",
    },
    "source.params.assumed": {
        "vi": "tham số giả định (chưa hiệu chỉnh)",
        "en": "assumed parameters (not calibrated)",
    },
    # -- where the parameters came from (the briefing's summary) ------------------
    "params.commune": {
        "vi": "Tham số: lấy từ hiệu chỉnh của xã theo số liệu quan sát {years}",
        "en": "Parameters: drawn from the commune's calibration to the observed {years} record",
    },
    "params.commune_undated": {
        "vi": "Tham số: lấy từ hiệu chỉnh của xã",
        "en": "Parameters: drawn from the commune's calibration",
    },
    "params.posterior": {
        "vi": "Tham số: lấy từ một kết quả hiệu chỉnh theo số liệu quan sát {years}",
        "en": "Parameters: drawn from a calibration to the observed {years} record",
    },
    "params.posterior_undated": {
        "vi": "Tham số: lấy từ một phân phối hậu nghiệm ({particles} bộ tham số)",
        "en": "Parameters: drawn from a posterior ({particles} parameter sets)",
    },
    "params.assumed": {
        "vi": "Tham số: giá trị giả định trong parameters.csv (chưa hiệu chỉnh)",
        "en": "Parameters: the assumed values of parameters.csv (not calibrated)",
    },
    "params.held": {
        "vi": "{scenario} tự đặt giá trị cho {names}",
        "en": "{scenario} keeps its own values for {names}",
    },
    # -- scenario names (by the forecast's file-name conventions) ---------------
    "scenario.baseline": {
        "vi": "Giữ nguyên như hiện nay",
        "en": "No new measures",
    },
    "scenario.resolution": {
        "vi": "Thực hiện Nghị quyết {year}",
        "en": "Resolution {year} measures",
    },
    # -- admissions fan chart --------------------------------------------------
    "fan.title": {
        "vi": "Kết nạp đảng viên mới mỗi năm",
        "en": "New party members admitted each year",
    },
    "fan.ylabel": {"vi": "Số đảng viên được kết nạp", "en": "Members admitted"},
    "fan.target": {
        "vi": "Chỉ tiêu {low}–{high} đảng viên/năm",
        "en": "Target: {low}–{high} a year",
    },
    "fan.target_min": {
        "vi": "Chỉ tiêu ≥ {low} đảng viên/năm",
        "en": "Target: at least {low} a year",
    },
    "fan.observed_period": {
        "vi": "Thực tế {start}–{end}: {value} đảng viên",
        "en": "Observed {start} to {end}: {value}",
    },
    "fan.observed": {
        "vi": "Thực tế quý I/{year}: {value} đảng viên (mới 3 tháng đầu năm)",
        "en": "Observed, first quarter {year}: {value} (3 months only)",
    },
    # -- target probabilities ---------------------------------------------------
    "targets.title": {
        "vi": "Xác suất đạt từng chỉ tiêu",
        "en": "Chance of reaching each target",
    },
    "target.admissions_every_year_meet_target": {
        "vi": "Kết nạp ≥ {min} đảng viên mỗi năm, {years}",
        "en": "At least {min} admitted every year, {years}",
    },
    "target.admissions_term_mean_meets_target": {
        "vi": "Bình quân ≥ {min} đảng viên/năm, {term}",
        "en": "At least {min} a year on average, {term}",
    },
    "target.no_white_village_at_horizon": {
        "vi": "Không còn bản trắng đảng viên ({horizon})",
        "en": "No village left without a member ({horizon})",
    },
    "target.every_village_has_cell_at_horizon": {
        "vi": "Bản nào cũng có chi bộ riêng ({horizon})",
        "en": "Every village has its own cell ({horizon})",
    },
    "target.every_cell_admits_each_year": {
        "vi": "Chi bộ nào cũng kết nạp ≥ {per_cell} đảng viên mỗi năm, {years}",
        "en": "Every cell admits at least {per_cell} every year, {years}",
    },
    # -- what does it take (sim.presentation.search_screen) ---------------------
    "search.title": {
        "vi": "Cần làm gì để chắc chắn đạt chỉ tiêu?",
        "en": "What does it take to be sure enough?",
    },
    "search.intro": {
        "vi": "Đánh dấu các giải pháp được thay đổi, chọn chỉ tiêu và xác suất mong muốn rồi bấm "
        "<b>Tìm</b>. Công cụ thử nhiều tổ hợp mức độ, chạy thêm cho những tổ hợp sát ngưỡng cho "
        "đến khi chắc chắn, rồi chạy lại tổ hợp được chọn trên các lần mô phỏng mới: con số "
        "báo cáo là của các lần mới đó.",
        "en": "Tick the measures to vary, choose the target and the chance wanted, and press "
        "<b>Search</b>. The tool tries many mixes of intensities, gives more runs to those near "
        "the threshold until it is sure, then re-runs the chosen mix on fresh runs: the figure "
        "reported is theirs.",
    },
    "search.target": {"vi": "Chỉ tiêu", "en": "Target"},
    "search.chance": {"vi": "Xác suất mong muốn", "en": "Chance wanted"},
    "search.button": {"vi": "Tìm", "en": "Search"},
    "search.no_lever": {
        "vi": "Hãy đánh dấu ít nhất một giải pháp.",
        "en": "Tick at least one measure.",
    },
    "search.running": {
        "vi": "Đang tìm: {spent}/{budget} lần mô phỏng",
        "en": "Searching: {spent} of {budget} runs",
    },
    "search.spent": {
        "vi": "Đã dùng {spent} lần mô phỏng (giới hạn {budget})",
        "en": "{spent} runs spent (budget {budget})",
    },
    "search.sure": {
        "vi": "Đạt {p} với độ tin cậy {confidence}: {chance} ({low}–{high}) trên {runs} lần "
        "mô phỏng mới.",
        "en": "Reaches {p} with {confidence} confidence: {chance} ({low}–{high}) on {runs} "
        "fresh runs.",
    },
    "search.probably": {
        "vi": "Có thể đạt {p}: {chance} ({low}–{high}) trên {runs} lần mô phỏng mới, nhưng "
        "chưa chắc chắn trong giới hạn số lần chạy.",
        "en": "Probably reaches {p}: {chance} ({low}–{high}) on {runs} fresh runs, not settled "
        "within the budget.",
    },
    "search.may_not": {
        "vi": "Có thể không đạt {p}: {chance} ({low}–{high}) trên {runs} lần mô phỏng mới, "
        "chưa chắc chắn trong giới hạn số lần chạy.",
        "en": "May not reach {p}: {chance} ({low}–{high}) on {runs} fresh runs, not settled "
        "within the budget.",
    },
    "search.none_open": {
        "vi": "Chưa tổ hợp nào được chứng tỏ đạt {p} trong giới hạn số lần chạy; còn {left} "
        "tổ hợp chưa rõ.",
        "en": "No mix tried was shown to reach {p} within the budget; {left} left open.",
    },
    "search.none_short": {
        "vi": "Không tổ hợp nào đạt {p}: tất cả đều được chứng tỏ là không đạt (độ tin cậy "
        "{confidence}).",
        "en": "No mix tried reaches {p}: each was shown to fall short ({confidence} confidence).",
    },
    "search.effort": {
        "vi": "Tổ hợp ít công sức nhất: công sức {effort} (mức độ × số năm thực hiện)",
        "en": "The least-effort mix: effort {effort} (intensity × years in force)",
    },
    "search.mix_row": {
        "vi": "{measure}: mức {intensity}, từ {start}",
        "en": "{measure}: intensity {intensity} from {start}",
    },
    "search.not_used": {"vi": "{measure}: không dùng", "en": "{measure}: not used"},
    "search.assumed": {
        "vi": "Với giá trị giả định của các tham số (không tính bất định về tham số): {chance} "
        "({low}–{high}) trên {runs} lần mô phỏng mới.",
        "en": "At the assumed parameter values (no parameter uncertainty): {chance} "
        "({low}–{high}) on {runs} fresh runs.",
    },
    "search.cheaper": {
        "vi": "Các tổ hợp ít công sức hơn: {short} tổ hợp không đạt, {open} tổ hợp chưa rõ.",
        "en": "Cheaper mixes: {short} fall short, {open} not settled.",
    },
    "search.how": {
        "vi": "Khoảng trong ngoặc: khoảng tin cậy 95{nbsp}%.",
        "en": "In brackets: the 95{nbsp}% interval.",
    },
    "search.discovery": {
        "vi": "Kế hoạch được chọn không đạt chỉ tiêu khi nào?",
        "en": "When does the chosen plan fail?",
    },
    "search.discovery_as_written": {
        "vi": "Chưa chọn được tổ hợp; kế hoạch như đã soạn không đạt chỉ tiêu khi nào?",
        "en": "No mix was chosen; when does the plan as written fail?",
    },
    # -- village status ---------------------------------------------------------
    "villages.title": {
        "vi": "Tình trạng tổ chức đảng ở từng bản",
        "en": "Party presence in each village",
    },
    "villages.share": {
        "vi": "Độ cao mỗi màu: tỷ lệ kết quả mô phỏng ở tình trạng đó",
        "en": "Height of each colour: share of simulated outcomes in that state",
    },
    "status.white": {"vi": "Bản trắng đảng viên", "en": "White village (no member)"},
    "status.joint": {"vi": "Sinh hoạt ghép", "en": "Joint activity with another cell"},
    "status.own_cell": {"vi": "Có chi bộ riêng", "en": "Own party cell"},
    "villages.first_member": {
        "vi": "Có đảng viên đầu tiên: trung vị và 90{nbsp}% kết quả",
        "en": "First member: median and 90{nbsp}% of outcomes",
    },
    "villages.own_cell": {
        "vi": "Thành lập chi bộ riêng: trung vị và 90{nbsp}% kết quả",
        "en": "Own cell formed: median and 90{nbsp}% of outcomes",
    },
    "villages.after": {"vi": "sau {year}", "en": "after {year}"},
    # -- pipeline ------------------------------------------------------------------
    "pipeline.title": {
        "vi": "Quần chúng ưu tú bị hao hụt ở đâu, vì sao",
        "en": "Where candidates are lost, and why",
    },
    "pipeline.by_stage": {
        "vi": "Mất ở bước nào ({term})",
        "en": "At which step ({term})",
    },
    "pipeline.ylabel": {
        "vi": "Số người mỗi năm (trung bình)",
        "en": "People a year (mean of runs)",
    },
    "pipeline.xlabel": {
        "vi": "Số người (trung bình mỗi lần mô phỏng)",
        "en": "People (mean per run)",
    },
    "pipeline.admitted": {"vi": "Được kết nạp", "en": "Admitted"},
    "reason.migration": {"vi": "Đi làm ăn, học tập xa", "en": "Left to work or study"},
    "reason.military": {"vi": "Đi nghĩa vụ quân sự", "en": "Military service"},
    "reason.dropout": {"vi": "Không tiếp tục phấn đấu", "en": "Dropped out"},
    "reason.file": {
        "vi": "Thiếu người giới thiệu, quá tuổi",
        "en": "File: no introducers, over age",
    },
    "reason.verification": {"vi": "Không qua thẩm tra lý lịch", "en": "Failed verification"},
    "reason.vote": {"vi": "Chi bộ biểu quyết không đạt 2/3", "en": "Cell vote short of 2/3"},
    "reason.transfer": {"vi": "Chuyển công tác nơi khác", "en": "Posted elsewhere"},
    "reason.other": {"vi": "Lý do khác (từ trần…)", "en": "Other (death…)"},
    "stage.waiting_mentor": {"vi": "Chờ đảng viên giúp đỡ", "en": "Waiting for a mentor"},
    "stage.cultivation": {"vi": "Được bồi dưỡng, giúp đỡ", "en": "Mentored"},
    "stage.waiting_class": {"vi": "Chờ lớp nhận thức về Đảng", "en": "Waiting for a class"},
    "stage.application": {"vi": "Làm hồ sơ", "en": "Application"},
    "stage.verification": {"vi": "Thẩm tra lý lịch", "en": "Verification"},
    "stage.waiting_vote": {"vi": "Chờ chi bộ xét, biểu quyết", "en": "Waiting for the cell vote"},
    "stage.waiting_decision": {"vi": "Chờ cấp ủy ra quyết định", "en": "Waiting for the decision"},
    "stage.waiting_ceremony": {"vi": "Chờ lễ kết nạp", "en": "Waiting for the ceremony"},
    "stage.paused_away": {"vi": "Tạm dừng (đi xa)", "en": "Paused (away)"},
    # -- youth ----------------------------------------------------------------------
    "youth.title": {
        "vi": "Thanh niên 16–30 tuổi của xã đang ở đâu",
        "en": "Where the commune's young people (16–30) are",
    },
    "place.home": {"vi": "Ở địa phương", "en": "At home"},
    "place.away": {"vi": "Đi làm ăn xa", "en": "Away (work or study)"},
    "place.military": {"vi": "Đi nghĩa vụ quân sự", "en": "In military service"},
    # -- comparison -------------------------------------------------------------------
    "compare.title": {"vi": "So sánh các kịch bản", "en": "Scenario comparison"},
    "compare.mean": {
        "vi": "Số kết nạp bình quân/năm, {term}",
        "en": "Mean admissions a year, {term}",
    },
    "compare.difference": {
        "vi": "Thay đổi xác suất so với “{reference}”",
        "en": "Change in probability against “{reference}”",
    },
    "points_axis": {"vi": "Điểm phần trăm", "en": "Percentage points"},
    "compare.only_one": {
        "vi": "Chỉ có một kịch bản: không có gì để so sánh",
        "en": "One scenario only: nothing to compare with",
    },
    "compare.mean_note": {
        "vi": "Trung bình các lần mô phỏng (khoảng tin cậy 95{nbsp}%)",
        "en": "Mean of the runs (95{nbsp}% confidence interval)",
    },
    "compare.difference_paired": {
        "vi": "Điểm phần trăm (khoảng tin cậy 95{nbsp}%, so theo cặp)",
        "en": "Percentage points (95{nbsp}% interval, paired runs)",
    },
    "compare.difference_apart": {
        "vi": "Điểm phần trăm (khoảng tin cậy 95{nbsp}%, chạy độc lập)",
        "en": "Percentage points (95{nbsp}% interval, independent runs)",
    },
    "compare.delay": {
        "vi": "Cái giá nếu chậm {months} tháng từng giải pháp của “{scenario}”",
        "en": "The cost of starting each measure of “{scenario}” {months} months later",
    },
    "compare.delay_axis": {
        "vi": "Thay đổi xác suất khi chậm (điểm phần trăm)",
        "en": "Change in probability when delayed (percentage points)",
    },
    "compare.short.admissions_every_year_meet_target": {
        "vi": "≥ {min} mỗi năm",
        "en": "≥ {min} every year",
    },
    "compare.short.admissions_term_mean_meets_target": {
        "vi": "Bình quân ≥ {min}/năm",
        "en": "Mean ≥ {min} a year",
    },
    "compare.short.no_white_village_at_horizon": {
        "vi": "Hết bản trắng",
        "en": "No white village",
    },
    "compare.short.every_village_has_cell_at_horizon": {
        "vi": "Bản nào cũng có chi bộ",
        "en": "A cell in every village",
    },
    "compare.short.every_cell_admits_each_year": {
        "vi": "Chi bộ nào cũng kết nạp",
        "en": "Every cell admits",
    },
    # -- tables shown in notebooks and on the planner's screen ----------------------
    "table.target": {"vi": "Chỉ tiêu", "en": "Target"},
    "table.chance": {"vi": "Xác suất đạt", "en": "Chance"},
    "table.interval": {"vi": "Khoảng tin cậy 95{nbsp}%", "en": "95{nbsp}% interval"},
    "table.value_interval": {"vi": "{value} ({low}–{high})", "en": "{value} ({low}–{high})"},
    "table.change": {
        "vi": "Thay đổi so với “{reference}”",
        "en": "Change against “{reference}”",
    },
    "table.change_points": {
        "vi": "{value} điểm % ({low} đến {high})",
        "en": "{value} points ({low} to {high})",
    },
    "table.change_number": {
        "vi": "{value} ({low} đến {high})",
        "en": "{value} ({low} to {high})",
    },
    "table.reference": {"vi": "(mốc so sánh)", "en": "(reference)"},
    "table.white_villages": {
        "vi": "Số bản trắng đảng viên bình quân ({horizon})",
        "en": "Mean number of white villages ({horizon})",
    },
    "table.admissions_mean": {
        "vi": "Số kết nạp bình quân/năm, {term}",
        "en": "Mean admissions a year, {term}",
    },
    "table.mean": {"vi": "Bình quân", "en": "Mean"},
    "table.range90": {
        "vi": "9/10 kết quả trong khoảng",
        "en": "9 in 10 outcomes between",
    },
    "table.admissions_year": {"vi": "Kết nạp năm {year}", "en": "Admitted in {year}"},
    "table.how_to_read": {
        "vi": "Xác suất: tỷ lệ số lần mô phỏng đạt chỉ tiêu, kèm khoảng tin cậy 95{nbsp}%. "
        "Thay đổi: hiệu số trên cùng các lần mô phỏng (cùng số ngẫu nhiên), tính bằng điểm "
        "phần trăm, kèm khoảng tin cậy 95{nbsp}%.",
        "en": "Chance: the share of simulated runs that reach the target, with a 95{nbsp}% "
        "confidence interval. Change: the difference over the same runs (the same random "
        "numbers), in percentage points, with a 95{nbsp}% confidence interval.",
    },
    # -- the planner's screen ---------------------------------------------------------
    "screen.title": {
        "vi": "Kế hoạch phát triển đảng viên: giải pháp nào, bắt đầu khi nào?",
        "en": "The recruitment plan: which measures, started when?",
    },
    "screen.intro": {
        "vi": "Chọn giải pháp, ngày bắt đầu, mức độ và các bản áp dụng, rồi bấm "
        "**Chạy mô phỏng**. Kế hoạch được so sánh với việc giữ nguyên như hiện nay trên "
        "cùng các lần mô phỏng. Mức độ 1 là như Nghị quyết năm 2015 đề ra; 0 là không thực "
        "hiện.",
        "en": "Choose the measures, their start dates, intensities and villages, then press "
        "**Run**. The plan is compared with making no new measures over the same simulated "
        "runs. Intensity 1 is what the 2015 resolution describes; 0 is not in force.",
    },
    "screen.plan_name": {"vi": "Tên kế hoạch", "en": "Plan name"},
    "screen.default_plan": {"vi": "Kế hoạch của tôi", "en": "My plan"},
    "screen.measure": {"vi": "Giải pháp", "en": "Measure"},
    "screen.start": {"vi": "Bắt đầu từ", "en": "Starts on"},
    "screen.intensity": {"vi": "Mức độ", "en": "Intensity"},
    "screen.villages": {
        "vi": "Bản áp dụng (không chọn: cả xã)",
        "en": "Villages (none chosen: all)",
    },
    "screen.horizon": {"vi": "Tính đến hết năm", "en": "Until the end of"},
    "screen.calibrated": {
        "vi": "Dùng tham số đã hiệu chỉnh theo số liệu của xã",
        "en": "Use the commune's calibrated parameters",
    },
    "screen.runs": {"vi": "Số lần mô phỏng", "en": "Simulated runs"},
    "screen.run": {"vi": "Chạy mô phỏng", "en": "Run"},
    "screen.baseline_running": {
        "vi": "Đang tính kịch bản “{baseline}” (chỉ tính một lần, sau đó dùng lại)…",
        "en": "Computing “{baseline}” (once; reused afterwards)…",
    },
    "screen.running": {
        "vi": "Đang chạy “{plan}”: {done}/{total} lần mô phỏng",
        "en": "Running “{plan}”: {done} of {total} runs",
    },
    "screen.preliminary": {
        "vi": "Kết quả sơ bộ sau {done}/{total} lần mô phỏng (sẽ cập nhật khi chạy thêm)",
        "en": "Preliminary answer after {done} of {total} runs (updates as more finish)",
    },
    "screen.final": {
        "vi": "Kết quả đầy đủ: {total} lần mô phỏng, {seconds} giây",
        "en": "Full answer: {total} runs, {seconds} s",
    },
    "screen.from_store": {
        "vi": "Kết quả đầy đủ: {total} lần mô phỏng, lấy lại từ kết quả đã lưu (cùng thiết lập)",
        "en": "Full answer: {total} runs, from the stored results (same settings)",
    },
    "screen.headline": {
        "vi": "Với “{plan}”, khả năng {target} là {p} ({ci}: {low}–{high}); {change}.",
        "en": "With “{plan}”, the chance of {target} is {p} ({ci}: {low}–{high}); {change}.",
    },
    "screen.higher": {
        "vi": "cao hơn “{reference}” {points} điểm phần trăm ({ci}: {low} đến {high})",
        "en": "{points} percentage points above “{reference}” ({ci}: {low} to {high})",
    },
    "screen.lower": {
        "vi": "thấp hơn “{reference}” {points} điểm phần trăm ({ci}: {low} đến {high})",
        "en": "{points} percentage points below “{reference}” ({ci}: {low} to {high})",
    },
    "screen.same": {
        "vi": "không khác “{reference}” ({ci} của chênh lệch: {low} đến {high} điểm phần trăm)",
        "en": "no different from “{reference}” ({ci} of the difference: {low} to {high} "
        "percentage points)",
    },
    "screen.no_measure": {
        "vi": "Chưa chọn giải pháp nào: hãy đánh dấu ít nhất một giải pháp.",
        "en": "No measure chosen: tick at least one.",
    },
    "screen.problem": {"vi": "Không chạy được: {message}", "en": "Cannot run: {message}"},
    "screen.preparing_pdf": {
        "vi": "Đang chuẩn bị bản tóm tắt PDF…",
        "en": "Preparing the PDF briefing…",
    },
    "screen.download": {
        "vi": "Tải bản tóm tắt cho Đảng ủy (PDF)",
        "en": "Download the committee briefing (PDF)",
    },
    # -- the one-page summary ---------------------------------------------------------
    "brief.title": {
        "vi": "Dự báo phát triển đảng viên xã {commune}, {start}–{end}",
        "en": "Party admissions forecast, {commune} commune, {start}–{end}",
    },
    "brief.subtitle": {
        "vi": "Tóm tắt cho Đảng ủy xã · mô phỏng Monte Carlo",
        "en": "Summary for the commune Party Committee · Monte Carlo simulation",
    },
    "brief.headline": {"vi": "Kết quả chính", "en": "Headline"},
    "brief.sentence": {
        "vi": "khả năng {target} là {p} ({ci}: {low}–{high})",
        "en": "the chance of {target} is {p} ({ci}: {low}–{high})",
    },
    "ci95_inline": {"vi": "khoảng tin cậy 95{nbsp}%", "en": "95{nbsp}% confidence interval"},
    "brief.phrase.admissions_every_year_meet_target": {
        "vi": "năm nào cũng kết nạp được ít nhất {min} đảng viên ({years})",
        "en": "admitting at least {min} members in every year {years}",
    },
    "brief.phrase.no_white_village_at_horizon": {
        "vi": "không còn bản trắng đảng viên vào {horizon}",
        "en": "having no white village by {horizon}",
    },
    "brief.median_sentence": {
        "vi": "mỗi năm thường kết nạp được khoảng {median} đảng viên "
        "(trung vị; 9/10 kết quả từ {low} đến {high})",
        "en": "typically about {median} admissions a year "
        "(median; 9 in 10 outcomes between {low} and {high})",
    },
    "brief.scenario_paragraph": {
        "vi": "{scenario}: {first}; {second}; {third}.",
        "en": "{scenario}: {first}; {second}; {third}.",
    },
    "brief.table": {"vi": "Xác suất đạt chỉ tiêu", "en": "Chance of each target"},
    "brief.target_column": {"vi": "Chỉ tiêu", "en": "Target"},
    "brief.how_to_read": {
        "vi": "Cách đọc: xác suất là tỷ lệ số lần mô phỏng đạt chỉ tiêu; khoảng tin cậy "
        "95{nbsp}% cho biết độ chính xác của con số đó với số lần mô phỏng đã chạy.",
        "en": "How to read: a probability is the share of simulated runs that reach the "
        "target; the 95{nbsp}% confidence interval says how precise it is for the number "
        "of runs made.",
    },
    "brief.figures": {"vi": "Hình", "en": "Figures"},
    "brief.scenario_column": {"vi": "Kịch bản", "en": "Scenario"},
    "brief.page": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "brief.printable": {"vi": "Bản in (PDF, khổ A4)", "en": "Printable version (PDF, A4)"},
    "brief.files_in": {
        "vi": "Mỗi hình có ba tệp (PNG, SVG, PDF) trong thư mục",
        "en": "Each figure is in three files (PNG, SVG, PDF) in the folder",
    },
    "brief.cell_note": {
        "vi": "Về chỉ tiêu “chi bộ nào cũng kết nạp ít nhất {per_cell} đảng viên mỗi năm”: "
        "phải cả {cells} chi bộ cùng đạt trong cả {years} năm, tức {n} lần cùng đạt. Trong "
        "các lần mô phỏng, mỗi chi bộ đạt trong {share} số năm của nó, nhưng cả {n} lần "
        "cùng đạt chỉ trong {p} số lần mô phỏng. Khó nhất là {weakest} (đạt {weakest_share} "
        "số năm): giáo viên, cán bộ chuyển công tác nhiều, trong khi một quần chúng cần "
        "khoảng hai năm từ khi được giới thiệu đến khi kết nạp.",
        "en": "On the target “every cell admits at least {per_cell} every year”: all {cells} "
        "cells must succeed in all {years} years, {n} successes together. In the runs a cell "
        "admits in {share} of its years, but all {n} together happen in only {p} of runs. "
        "The hardest is {weakest} ({weakest_share} of its years): teachers and officials are "
        "often posted elsewhere, while a candidate needs about two years from being spotted "
        "to admission.",
    },
    # -- identifiability (sim.presentation.analysis_plots, sim.presentation.observed_words) ----
    "ident.title": {
        "vi": "Số liệu quan sát nào cho biết về tham số nào: {scenario}",
        "en": "Which observed figure informs which parameter: {scenario}",
    },
    "ident.subtitle": {
        "vi": "Hệ số tương quan hạng Spearman giữa từng tham số và từng số liệu mô phỏng. "
        "Chữ đậm: |r| > {bound}, mức mà 99{nbsp}% hệ số không vượt quá khi số liệu không "
        "phụ thuộc vào tham số. Khung đen: số liệu cho biết nhiều nhất về tham số.",
        "en": "Spearman rank correlation between each parameter and each simulated figure. "
        "Bold: |r| > {bound}, which 99{nbsp}% of correlations stay within when a figure "
        "does not depend on the parameter. Black frame: the figure that informs the "
        "parameter most.",
    },
    "ident.colorbar": {
        "vi": "Hệ số tương quan hạng Spearman r",
        "en": "Spearman rank correlation r",
    },
    "ident.parameters": {
        "vi": "Tham số cần hiệu chỉnh (khoảng của phân phối tiên nghiệm)",
        "en": "Calibrated parameter (range of its prior)",
    },
    "ident.figures": {
        "vi": "Số liệu quan sát (observed.csv)",
        "en": "Observed figure (observed.csv)",
    },
    "ident.not_informed": {
        "vi": "không số liệu nào cho biết",
        "en": "not informed by any figure",
    },
    "ident.constant": {"vi": "không đổi giữa các lần chạy", "en": "constant across runs"},
    "ident.runs": {
        "vi": "{draws} bộ tham số rút từ phân phối tiên nghiệm, mỗi bộ 1 lần mô phỏng",
        "en": "{draws} parameter sets drawn from the priors, one run each",
    },
    "ident.range": {"vi": "{low}–{high} ({unit})", "en": "{low}–{high} ({unit})"},
    "ident.year": {"vi": "năm {year}", "en": "{year}"},
    "ident.quarter": {"vi": "quý {quarter}/{year}", "en": "Q{quarter} {year}"},
    # observed figures (sim.analysis.observed's metrics)
    "observed.party_members": {"vi": "Số đảng viên", "en": "Party members"},
    "observed.population": {"vi": "Dân số đang ở địa phương", "en": "Residents living at home"},
    "observed.white_villages": {"vi": "Số bản trắng đảng viên", "en": "White villages (no member)"},
    "observed.villages_without_cell": {
        "vi": "Số bản chưa có chi bộ riêng",
        "en": "Villages without a cell of their own",
    },
    "observed.cells": {"vi": "Số chi bộ", "en": "Party cells"},
    "observed.village_cells": {"vi": "Số chi bộ bản", "en": "Village party cells"},
    "observed.poor_household_share": {"vi": "Tỷ lệ hộ nghèo", "en": "Share of poor households"},
    "observed.departures_work": {"vi": "Số người đi làm ăn xa", "en": "Departures to work"},
    "observed.departures_study": {"vi": "Số người đi học xa", "en": "Departures to study"},
    "observed.callups": {
        "vi": "Số thanh niên nhập ngũ",
        "en": "Men called up for military service",
    },
    "observed.returns": {
        "vi": "Số người đi xa trở về địa phương",
        "en": "Migrants coming back home",
    },
    "observed.births": {"vi": "Số trẻ sinh ra", "en": "Births"},
    "observed.white_villages_eliminated": {
        "vi": "Số bản trắng đảng viên đã xóa",
        "en": "White villages eliminated",
    },
    "observed.admissions": {"vi": "Số đảng viên mới kết nạp", "en": "New members admitted"},
    "observed.admissions_group": {
        "vi": "Số đảng viên mới kết nạp từ {group}",
        "en": "New members admitted from {group}",
    },
    "observed.admissions_min_education": {
        "vi": "Tỷ lệ đảng viên mới có trình độ từ {level} trở lên",
        "en": "Share of new members with at least {level}",
    },
    "group.youth_union": {"vi": "đoàn viên thanh niên", "en": "the Youth Union"},
    "group.farmer": {"vi": "nông dân", "en": "farmers"},
    "group.womens_union": {"vi": "hội viên phụ nữ", "en": "the Women's Union"},
    "group.returning_soldier": {"vi": "quân nhân xuất ngũ", "en": "returning soldiers"},
    "group.staff": {"vi": "cán bộ, giáo viên", "en": "school and agency staff"},
    "group.other": {"vi": "nguồn khác", "en": "other sources"},
    "education.none": {"vi": "chưa đi học", "en": "no schooling"},
    "education.primary": {"vi": "tiểu học", "en": "primary school"},
    "education.lower_secondary": {"vi": "trung học cơ sở", "en": "lower secondary school"},
    "education.upper_secondary": {"vi": "trung học phổ thông", "en": "upper secondary school"},
    "education.beyond": {"vi": "trên trung học phổ thông", "en": "beyond upper secondary"},
    # calibrated parameters (the others are shown by their names and descriptions)
    "param.leave_hazard_young": {
        "vi": "Tỷ lệ thanh niên rời địa phương mỗi năm",
        "en": "Young people leaving each year",
    },
    "param.leave_after_upper_secondary_2y": {
        "vi": "Tỷ lệ đi xa trong 2 năm sau khi học xong trung học phổ thông",
        "en": "Share leaving within 2 years of finishing upper secondary",
    },
    "param.return_within_5y": {
        "vi": "Tỷ lệ người đi làm ăn xa trở về trong 5 năm",
        "en": "Work migrants back within 5 years",
    },
    "param.youth_union_active_share": {
        "vi": "Tỷ lệ thanh niên sinh hoạt Đoàn tích cực",
        "en": "Youth active in the Youth Union",
    },
    "param.womens_union_active_share": {
        "vi": "Tỷ lệ phụ nữ sinh hoạt Hội Phụ nữ tích cực",
        "en": "Women active in the Women's Union",
    },
    "param.farmers_association_active_share": {
        "vi": "Tỷ lệ nông dân sinh hoạt Hội Nông dân tích cực",
        "en": "Farmers active in the Farmers' Association",
    },
    "param.spotting_rate_cell": {
        "vi": "Tỷ lệ phát hiện quần chúng ưu tú, bản có chi bộ",
        "en": "Spotting rate, village with its own cell",
    },
    "param.spotting_rate_joint": {
        "vi": "Tỷ lệ phát hiện quần chúng ưu tú, bản sinh hoạt ghép",
        "en": "Spotting rate, village in a joint cell",
    },
    "param.spotting_rate_white": {
        "vi": "Tỷ lệ phát hiện quần chúng ưu tú, bản trắng đảng viên",
        "en": "Spotting rate, white village",
    },
    "param.assignment_spotting_rate": {
        "vi": "Tỷ lệ phát hiện thêm nhờ Ủy viên Ban Thường vụ phụ trách bản",
        "en": "Spotting added by a Standing Committee member in charge",
    },
    "param.never_return_share": {
        "vi": "Tỷ lệ người đi làm ăn xa ở lại hẳn nơi khác",
        "en": "Work migrants who settle away for good",
    },
    "param.staff_spotting_rate": {
        "vi": "Tỷ lệ phát hiện quần chúng ưu tú trong cán bộ, giáo viên",
        "en": "Spotting rate, school and agency staff",
    },
    "param.spotting_middle_multiplier": {
        "vi": "Hệ số phát hiện quần chúng ưu tú ở tuổi trung niên",
        "en": "Spotting multiplier, middle ages",
    },
    "param.plan_hold_share": {
        "vi": "Tỷ lệ hồ sơ để dành sang năm sau khi đã đạt kế hoạch",
        "en": "Files held for next year once the plan is met",
    },
    "param.plan_source_ratio": {
        "vi": "Số quần chúng ưu tú chi bộ muốn có cho mỗi chỉ tiêu kết nạp",
        "en": "Candidates a cell wants per admission of its plan",
    },
    "param.plan_short_spotting_multiplier": {
        "vi": "Hệ số phát hiện khi chi bộ thiếu nguồn so với kế hoạch",
        "en": "Spotting multiplier when a cell is short of candidates",
    },
    "param.callup_share": {
        "vi": "Tỷ lệ nam thanh niên nhập ngũ mỗi năm",
        "en": "Share of men called up each year",
    },
    "param.marriage_return_rate": {
        "vi": "Tỷ lệ người đi xa về quê lập gia đình mỗi năm",
        "en": "Migrants coming home to marry, per year",
    },
    "param.poverty_exit_rate": {
        "vi": "Tỷ lệ hộ thoát nghèo mỗi năm",
        "en": "Households leaving poverty each year",
    },
    "param.poverty_entry_rate": {
        "vi": "Tỷ lệ hộ nghèo phát sinh mỗi năm",
        "en": "Households falling into poverty each year",
    },
    # the kinds of parameters (sim.inputs.parameters), as units
    "kind.probability": {"vi": "tỷ lệ", "en": "share"},
    "kind.rate": {"vi": "mỗi năm", "en": "per year"},
    "kind.months": {"vi": "tháng", "en": "months"},
    "kind.years": {"vi": "năm", "en": "years"},
    "kind.age": {"vi": "tuổi", "en": "years of age"},
    "kind.count": {"vi": "số lượng", "en": "count"},
    "kind.multiplier": {"vi": "hệ số nhân", "en": "multiplier"},
    # -- the quickstart and researcher notebooks --------------------------------------
    "param.crude_birth_rate_per_1000": {
        "vi": "Tỷ suất sinh thô (số trẻ sinh ra trên 1.000 dân mỗi năm)",
        "en": "Crude birth rate (births per 1,000 people a year)",
    },
    "nb.commune": {
        "vi": "Xã {commune}: {villages} bản, {cells} chi bộ, {people} người, {members} đảng viên "
        "(số liệu ngày {date}).",
        "en": "{commune} commune: {villages} villages, {cells} party cells, {people} people, "
        "{members} party members (figures of {date}).",
    },
    "nb.village": {"vi": "Bản", "en": "Village"},
    "nb.population": {"vi": "Số dân", "en": "People"},
    "nb.households": {"vi": "Số hộ", "en": "Households"},
    "nb.village_members": {
        "vi": "Đảng viên (cả dự bị)",
        "en": "Party members (incl. probationary)",
    },
    "nb.scenario": {
        "vi": "Kịch bản “{scenario}”: {n} giải pháp, mô phỏng từ {start} đến {horizon}. "
        "Mức độ 1 là như Nghị quyết đề ra.",
        "en": "Scenario “{scenario}”: {n} measures, simulated from {start} to {horizon}. "
        "Intensity 1 is what the resolution describes.",
    },
    "nb.where": {"vi": "Bản áp dụng", "en": "Villages"},
    "nb.all_villages": {"vi": "Cả xã", "en": "All villages"},
    "nb.one_run": {
        "vi": "Một lần mô phỏng (seed {seed}): {total} đảng viên được kết nạp trong các năm "
        "{years}.",
        "en": "One run (seed {seed}): {total} members admitted over {years}.",
    },
    "nb.ensemble": {
        "vi": "**{scenario}**: {reps} lần mô phỏng, seed {seed}.",
        "en": "**{scenario}**: {reps} runs, seed {seed}.",
    },
    "nb.last_white": {
        "vi": "Bản trắng đảng viên cuối cùng được xóa vào {median} (trung vị; 5{nbsp}% số lần "
        "mô phỏng xóa xong trước {early}, 5{nbsp}% sau {late}).",
        "en": "The last white village is eliminated in {median} (median; 5{nbsp}% of runs by "
        "{early}, 5{nbsp}% after {late}).",
    },
    "nb.last_white_open": {
        "vi": "Bản trắng đảng viên cuối cùng được xóa vào {median} (trung vị; 5{nbsp}% số lần "
        "mô phỏng xóa xong trước {early}).",
        "en": "The last white village is eliminated in {median} (median; 5{nbsp}% of runs by "
        "{early}).",
    },
    "nb.no_last_white": {
        "vi": "Ở phần lớn số lần mô phỏng, đến {horizon} vẫn chưa xóa hết bản trắng đảng viên.",
        "en": "In most runs some village is still white at {horizon}.",
    },
    "nb.still_white": {
        "vi": "Đến {horizon}, {p} số lần mô phỏng vẫn còn bản trắng đảng viên "
        "({ci}: {low}–{high}).",
        "en": "At {horizon} some village is still white in {p} of runs ({ci}: {low}–{high}).",
    },
    "nb.white_mean": {
        "vi": "Số bản trắng đảng viên vào {horizon}: bình quân {mean}, 9/10 kết quả từ {low} "
        "đến {high}.",
        "en": "White villages at {horizon}: {mean} on average, 9 in 10 outcomes between {low} "
        "and {high}.",
    },
    "nb.parameter": {"vi": "Tham số", "en": "Parameter"},
    "nb.value": {"vi": "Giá trị", "en": "Value"},
    "nb.low": {"vi": "Thấp nhất", "en": "Low"},
    "nb.high": {"vi": "Cao nhất", "en": "High"},
    "nb.unit": {"vi": "Đơn vị", "en": "Unit"},
    "nb.basis": {"vi": "Căn cứ", "en": "Basis"},
    "nb.assumption": {"vi": "Giả định", "en": "Assumption"},
    "nb.assumption_informed": {
        "vi": "Giả định, có tham khảo {sources}",
        "en": "Assumption, informed by {sources}",
    },
    "nb.level": {"vi": "Mức", "en": "Level"},
    "nb.level.low": {"vi": "Thấp", "en": "Low"},
    "nb.level.value": {"vi": "Giữa", "en": "Central"},
    "nb.level.high": {"vi": "Cao", "en": "High"},
    "nb.chance_of": {"vi": "Xác suất: {target}", "en": "Chance: {target}"},
    "nb.sweep": {
        "vi": "Mỗi dòng: {reps} lần mô phỏng, seed {seed}, trên cùng các số ngẫu nhiên (các dòng "
        "so sánh được với nhau); chỉ một tham số thay đổi, các tham số khác giữ giá trị giả định. "
        "Trong ngoặc: khoảng tin cậy 95{nbsp}%.",
        "en": "Each row: {reps} runs, seed {seed}, on the same random numbers (the rows compare "
        "with one another); one parameter changes, the others keep their assumed values. In "
        "brackets: the 95{nbsp}% confidence interval.",
    },
    "sensitivity.output.admissions_term_mean": {
        "vi": "Số kết nạp bình quân/năm trong nhiệm kỳ",
        "en": "Admissions a year, term mean",
    },
    "sensitivity.output.admissions_min_target_year": {
        "vi": "Số kết nạp của năm thấp nhất",
        "en": "Admissions in the weakest target year",
    },
    "sensitivity.output.white_villages_at_horizon": {
        "vi": "Số bản trắng đảng viên cuối kỳ",
        "en": "White villages at the horizon",
    },
    "sensitivity.output.own_cell_villages_at_horizon": {
        "vi": "Số bản có chi bộ riêng cuối kỳ",
        "en": "Villages with their own cell at the horizon",
    },
    "sensitivity.output.members_at_horizon": {
        "vi": "Số đảng viên cuối kỳ",
        "en": "Party members at the horizon",
    },
    "nb.method.morris": {"vi": "Sàng lọc Morris", "en": "Morris screening"},
    "nb.method.sobol": {"vi": "Chỉ số Sobol", "en": "Sobol indices"},
    "nb.output": {"vi": "Kết quả mô phỏng", "en": "Output"},
    "nb.rank": {"vi": "Hạng", "en": "Rank"},
    "nb.mu_star": {"vi": "μ* (tác động trung bình)", "en": "μ* (mean absolute effect)"},
    "nb.sigma": {
        "vi": "σ (độ phân tán: phi tuyến, tương tác)",
        "en": "σ (spread: non-linearity, interactions)",
    },
    "nb.s1": {"vi": "S1 (riêng tham số)", "en": "S1 (alone)"},
    "nb.st": {"vi": "ST (kể cả tương tác)", "en": "ST (with interactions)"},
    "nb.index_interval": {
        "vi": "Khoảng tin cậy 95{nbsp}% của {index}",
        "en": "95{nbsp}% interval of {index}",
    },
    "nb.screening": {
        "vi": "{method}: {params} tham số cùng thay đổi trong khoảng của phân phối tiên nghiệm, "
        "tổng cộng {runs} lần mô phỏng ({points} điểm × {reps} lần), tính đến {horizon}. "
        "Bảng: {top} tham số tác động mạnh nhất đến từng kết quả, đo bằng đơn vị của kết quả "
        "khi tham số đi hết khoảng tiên nghiệm.",
        "en": "{method}: {params} parameters varied together over their priors' ranges, "
        "{runs} runs in all ({points} points × {reps}), until {horizon}. Table: the {top} "
        "parameters with the largest effect on each output, in the output's units across the "
        "prior's range.",
    },
    "nb.sens.title": {
        "vi": "{method}: tác động của {params} tham số đến từng kết quả",
        "en": "{method}: the effect of {params} parameters on each output",
    },
    "nb.sens.morris_axis": {
        "vi": "Thay đổi của kết quả khi tham số đi hết khoảng tiên nghiệm",
        "en": "Change in the output across the prior's range",
    },
    "nb.sens.sobol_axis": {
        "vi": "Tỷ lệ phương sai; tổng các S1 là {total}",
        "en": "Share of variance; the S1 add up to {total}",
    },
    "nb.sens.constant": {"vi": "Không thay đổi", "en": "Does not vary"},
    "nb.ident.figure": {"vi": "Số liệu cho biết nhiều nhất", "en": "Most informative figure"},
    "nb.ident.r": {"vi": "Hệ số Spearman r", "en": "Spearman's r"},
    "nb.ident.mi": {"vi": "Thông tin tương hỗ (nat)", "en": "Mutual information (nats)"},
    "nb.ident.beyond": {"vi": "Số liệu vượt ngưỡng", "en": "Figures beyond the bound"},
    "nb.ident.informed": {"vi": "Được số liệu cho biết", "en": "Informed"},
    "nb.yes": {"vi": "Có", "en": "Yes"},
    "nb.no": {"vi": "Không", "en": "No"},
    "nb.ident.summary": {
        "vi": "{runs}, seed {seed}. Ngưỡng độc lập: |r| ≤ {bound}. {informed}/{total} tham số "
        "được ít nhất một số liệu quan sát cho biết; tham số không được số liệu nào cho biết "
        "sẽ giữ nguyên phân phối tiên nghiệm sau hiệu chỉnh.",
        "en": "{runs}, seed {seed}. Independence bound: |r| ≤ {bound}. {informed} of {total} "
        "parameters are informed by at least one observed figure; a parameter no figure "
        "informs keeps its prior through calibration.",
    },
    "nb.calib.generation": {"vi": "Thế hệ", "en": "Generation"},
    "nb.calib.tolerance": {"vi": "Ngưỡng khoảng cách", "en": "Tolerance"},
    "nb.calib.ess": {"vi": "Cỡ mẫu hiệu dụng", "en": "Effective sample size"},
    "nb.calib.acceptance": {"vi": "Tỷ lệ chấp nhận", "en": "Acceptance rate"},
    "nb.calib.cost": {"vi": "Số lần mô phỏng cần", "en": "Runs needed"},
    "nb.calib.runs": {"vi": "Số lần mô phỏng đã chạy", "en": "Runs made"},
    "nb.calib.distance_median": {"vi": "Khoảng cách trung vị", "en": "Median distance"},
    "nb.calib.distance_max": {"vi": "Khoảng cách lớn nhất", "en": "Largest distance"},
    "nb.calib.seconds": {"vi": "Thời gian (giây)", "en": "Time (s)"},
    "nb.calib.summary": {
        "vi": "Hiệu chỉnh ABC theo {figures} số liệu quan sát: giữ {particles} bộ tham số sau "
        "{generations} thế hệ, cỡ mẫu hiệu dụng {ess}, ngưỡng khoảng cách cuối {tolerance}.",
        "en": "ABC calibration against {figures} observed figures: {particles} parameter sets "
        "kept after {generations} generations, effective sample size {ess}, final tolerance "
        "{tolerance}.",
    },
    "nb.post.prior": {"vi": "Phân phối tiên nghiệm", "en": "Prior"},
    "nb.post.prior_interval": {
        "vi": "Khoảng 90{nbsp}% tiên nghiệm",
        "en": "Prior 90{nbsp}% interval",
    },
    "nb.post.median": {"vi": "Trung vị hậu nghiệm", "en": "Posterior median"},
    "nb.post.interval": {
        "vi": "Khoảng 90{nbsp}% hậu nghiệm",
        "en": "Posterior 90{nbsp}% interval",
    },
    "nb.post.width": {"vi": "Độ rộng so với tiên nghiệm", "en": "Width against the prior"},
    "nb.post.value": {"vi": "Giá trị trong parameters.csv", "en": "Value in parameters.csv"},
    "nb.post.note": {
        "vi": "Trung vị và khoảng 90{nbsp}% có trọng số của {particles} bộ tham số được giữ. "
        "Độ rộng so với tiên nghiệm: 100{nbsp}% là số liệu quan sát không cho biết thêm gì về "
        "tham số.",
        "en": "Weighted median and 90{nbsp}% interval of the {particles} parameter sets kept. "
        "Width against the prior: 100{nbsp}% means the observations taught nothing about the "
        "parameter.",
    },
    "prior.uniform": {"vi": "đều, {low}–{high}", "en": "uniform, {low}–{high}"},
    "prior.loguniform": {"vi": "log-đều, {low}–{high}", "en": "log-uniform, {low}–{high}"},
    "prior.triangular": {
        "vi": "tam giác, {low}–{high}, đỉnh {mode}",
        "en": "triangular, {low}–{high}, mode {mode}",
    },
    "prior.normal": {
        "vi": "chuẩn, trung bình {mean}, độ lệch chuẩn {sd}, trong {low}–{high}",
        "en": "normal, mean {mean}, sd {sd}, within {low}–{high}",
    },
    "nb.pp.title": {
        "vi": "Phân phối tiên nghiệm (xám) và hậu nghiệm (xanh): {particles} bộ tham số, "
        "cỡ mẫu hiệu dụng {ess}, {generations} thế hệ",
        "en": "Priors (grey) and posteriors (blue): {particles} parameter sets, effective "
        "sample size {ess}, {generations} generations",
    },
    "nb.pp.prior": {"vi": "Tiên nghiệm", "en": "Prior"},
    "nb.pp.posterior": {"vi": "Hậu nghiệm", "en": "Posterior"},
    "nb.pp.median": {"vi": "Trung vị hậu nghiệm", "en": "Posterior median"},
    "nb.pp.band": {"vi": "Khoảng 90{nbsp}% hậu nghiệm", "en": "Posterior 90{nbsp}% interval"},
    "nb.pp.value": {"vi": "Giá trị trong parameters.csv", "en": "Value in parameters.csv"},
    "nb.pp.ylabel": {"vi": "Xác suất mỗi khoảng", "en": "Probability per bin"},
    "nb.pred.title": {
        "vi": "Mô hình so với số liệu quan sát: trước hiệu chỉnh (xám) và sau hiệu chỉnh (xanh)",
        "en": "The model against the observed figures: before (grey) and after (blue) calibration",
    },
    "nb.pred.prior": {"vi": "Các lần chạy từ tiên nghiệm", "en": "Runs from the priors"},
    "nb.pred.posterior": {"vi": "Các lần chạy từ hậu nghiệm", "en": "Runs from the posterior"},
    "nb.pred.xlabel": {
        "vi": "Quan sát: {value}; số lần chạy hậu nghiệm bằng số này: {share}",
        "en": "Observed {value}; posterior runs equal to it: {share}",
    },
    "nb.pred.ylabel": {"vi": "Tỷ lệ số lần chạy", "en": "Share of runs"},
    # -- predictive checks (validate-model) -----------------------------------------
    "check.title": {
        "vi": "Mô hình có tái hiện được số liệu quan sát không?",
        "en": "Does the model reproduce the observed record?",
    },
    "check.subtitle": {
        "vi": "Khoảng chứa 90 % số lần chạy; vạch đen: số liệu quan sát",
        "en": "Range holding 90 % of runs; black line: the observed figure",
    },
    "check.source.assumed": {
        "vi": "Giá trị giả định (parameters.csv)",
        "en": "Assumed values (parameters.csv)",
    },
    "check.source.prior": {"vi": "Phân phối tiên nghiệm", "en": "Prior"},
    "check.source.posterior": {
        "vi": "Sau hiệu chỉnh (hậu nghiệm)",
        "en": "Calibrated (posterior)",
    },
    "check.observed": {"vi": "Quan sát", "en": "Observed"},
    "check.outside": {"vi": "ngoài khoảng", "en": "outside"},
    "check.source_line": {
        "vi": "Nguồn: mô hình nahy-sim {version}, {reps} lần chạy mỗi loại, hạt giống {seed}; "
        "hiệu chỉnh {calibration}; số liệu quan sát: observed.csv; {date}",
        "en": "Source: nahy-sim model {version}, {reps} runs each, seed {seed}; "
        "calibration {calibration}; observed figures: observed.csv; {date}",
    },
    # -- scenario discovery (sim.presentation.discovery_words, plots.discovery) ------------
    "disc.sentence": {
        "vi": "Kế hoạch “{plan}” không đạt chỉ tiêu “{target}” trong {base} số lần mô phỏng "
        "({failures} trên {reps} lần); kế hoạch không đạt chủ yếu khi {conditions} (các trường "
        "hợp này chiếm {coverage} số lần không đạt; trong các trường hợp đó, kế hoạch không đạt "
        "{density} số lần).",
        "en": "The plan “{plan}” misses the target “{target}” in {base} of runs ({failures} of "
        "{reps}); it fails mainly when {conditions} (these cover {coverage} of failures; within "
        "them the plan fails {density} of the time).",
    },
    "disc.above": {"vi": "{name} trên {value}", "en": "{name} is above {value}"},
    "disc.below": {"vi": "{name} dưới {value}", "en": "{name} is below {value}"},
    "disc.between": {
        "vi": "{name} trong khoảng {low}–{high}",
        "en": "{name} is between {low} and {high}",
    },
    "disc.and": {"vi": " và ", "en": " and "},
    "disc.never": {
        "vi": "Kế hoạch “{plan}” đạt chỉ tiêu “{target}” trong cả {reps} lần mô phỏng: không "
        "có giá trị nào của các tham số chưa chắc chắn làm kế hoạch không đạt.",
        "en": "The plan “{plan}” reaches the target “{target}” in all {reps} runs: no values of "
        "the uncertain parameters drawn make it fail.",
    },
    "disc.always": {
        "vi": "Kế hoạch “{plan}” không đạt chỉ tiêu “{target}” trong cả {reps} lần mô phỏng: "
        "dù các tham số chưa chắc chắn nhận giá trị nào, kế hoạch vẫn không đạt, nên không "
        "khoảng giá trị nào giải thích được việc không đạt.",
        "en": "The plan “{plan}” misses the target “{target}” in all {reps} runs: it fails "
        "whatever the values of the uncertain parameters, so no range of them explains the "
        "failure.",
    },
    "disc.few_failures": {
        "vi": "Kế hoạch “{plan}” chỉ không đạt chỉ tiêu “{target}” trong {failures} trên {reps} "
        "lần mô phỏng ({base}): quá ít lần không đạt để biết khoảng giá trị nào của các tham "
        "số làm kế hoạch không đạt (cần ít nhất {least} lần; hãy chạy thêm).",
        "en": "The plan “{plan}” misses the target “{target}” in only {failures} of {reps} runs "
        "({base}): too few failures to tell which ranges of the parameters make it fail (at "
        "least {least} are needed; run more).",
    },
    "disc.few_successes": {
        "vi": "Kế hoạch “{plan}” không đạt chỉ tiêu “{target}” trong {failures} trên {reps} lần "
        "mô phỏng ({base}): kế hoạch gần như luôn không đạt, và số lần đạt quá ít để biết "
        "khoảng giá trị nào giúp kế hoạch đạt (cần ít nhất {least} lần).",
        "en": "The plan “{plan}” misses the target “{target}” in {failures} of {reps} runs "
        "({base}): it fails almost whatever the parameters, and too few runs reach the target "
        "to tell which ranges would make it work (at least {least} are needed).",
    },
    "disc.nothing_varies": {
        "vi": "Không có tham số chưa chắc chắn nào thay đổi giữa {reps} lần mô phỏng của kế "
        "hoạch “{plan}”: không có gì để đối chiếu với các lần không đạt.",
        "en": "No uncertain parameter varies across the {reps} runs of the plan “{plan}”: there "
        "is nothing to relate its failures to.",
    },
    "disc.no_box": {
        "vi": "Kế hoạch “{plan}” không đạt chỉ tiêu “{target}” trong {base} số lần mô phỏng "
        "({failures} trên {reps} lần); không có khoảng giá trị nào của các tham số chưa chắc "
        "chắn mà trong đó kế hoạch không đạt từ {threshold} số lần trở lên: yếu tố ngẫu nhiên "
        "giữa các lần mô phỏng quan trọng hơn các tham số này.",
        "en": "The plan “{plan}” misses the target “{target}” in {base} of runs ({failures} of "
        "{reps}); no range of the uncertain parameters stands out in which it fails in at "
        "least {threshold} of runs: chance from run to run matters more than these "
        "parameters.",
    },
    "disc.header": {
        "vi": "Các trường hợp kế hoạch “{plan}” không đạt chỉ tiêu “{target}”: {reps} lần mô "
        "phỏng, seed {seed}",
        "en": "When the plan “{plan}” misses the target “{target}”: {reps} runs, seed {seed}",
    },
    "disc.base": {
        "vi": "Không đạt trong {base} số lần mô phỏng ({failures} trên {reps} lần). Một vùng "
        "phải có tỷ lệ không đạt từ {threshold} trở lên; vùng được chọn là vùng chứa nhiều lần "
        "không đạt nhất so với tỷ lệ chung.",
        "en": "Fails in {base} of runs ({failures} of {reps}). A box must fail in at least "
        "{threshold} of its runs; the one chosen holds the most failures beyond the overall "
        "rate.",
    },
    "disc.params.prior": {
        "vi": "Tham số: rút từ phân phối tiên nghiệm (chưa hiệu chỉnh)",
        "en": "Parameters: drawn from the priors (not calibrated)",
    },
    "disc.source.prior": {
        "vi": "tham số rút từ phân phối tiên nghiệm (chưa hiệu chỉnh)",
        "en": "parameters drawn from the priors (not calibrated)",
    },
    "disc.col.box": {"vi": "Vùng", "en": "Box"},
    "disc.col.coverage": {"vi": "Bao phủ", "en": "Coverage"},
    "disc.col.density": {"vi": "Mật độ", "en": "Density"},
    "disc.col.mass": {"vi": "Tỷ trọng", "en": "Mass"},
    "disc.col.runs": {"vi": "Số lần", "en": "Runs"},
    "disc.col.parameter": {"vi": "Tham số", "en": "Parameter"},
    "disc.col.range": {"vi": "Khoảng trong vùng", "en": "Range in the box"},
    "disc.col.full": {"vi": "Khoảng của mọi lần chạy", "en": "Range in all runs"},
    "disc.legend": {
        "vi": "Bao phủ: tỷ lệ số lần không đạt nằm trong vùng; mật độ: tỷ lệ không đạt trong "
        "vùng; tỷ trọng: tỷ lệ số lần mô phỏng nằm trong vùng.",
        "en": "Coverage: the share of all failures inside the box; density: the failure rate "
        "inside it; mass: the share of runs inside it.",
    },
    "disc.title": {
        "vi": "Khi nào kế hoạch “{plan}” không đạt chỉ tiêu?",
        "en": "When does the plan “{plan}” miss its target?",
    },
    "disc.subtitle": {
        "vi": "Chỉ tiêu: {target}. Kế hoạch không đạt trong {base} số lần mô phỏng; khi các "
        "tham số nằm trong các khoảng tô màu, kế hoạch không đạt {density} số lần, và các "
        "trường hợp đó chiếm {coverage} tổng số lần không đạt.",
        "en": "Target: {target}. The plan fails in {base} of runs; when the parameters lie in "
        "the coloured ranges it fails {density} of the time, and those runs hold {coverage} of "
        "all failures.",
    },
    "disc.subtitle_none": {
        "vi": "Chỉ tiêu: {target}. Kế hoạch không đạt trong {base} số lần mô phỏng.",
        "en": "Target: {target}. The plan fails in {base} of runs.",
    },
    "disc.legend.full": {
        "vi": "Khoảng giá trị trong mọi lần mô phỏng",
        "en": "Range across all runs",
    },
    "disc.legend.box": {
        "vi": "Khoảng mà kế hoạch hay không đạt nhất",
        "en": "Range where the plan fails most",
    },
    "disc.traj.title": {
        "vi": "Mỗi chấm: một vùng thử trong quá trình thu hẹp (PRIM)",
        "en": "Each dot: a box PRIM tried while narrowing",
    },
    "disc.traj.coverage": {
        "vi": "Phần số lần không đạt nằm trong vùng (%)",
        "en": "Share of all failures inside the box (%)",
    },
    "disc.traj.density": {
        "vi": "Tỷ lệ không đạt trong vùng (%)",
        "en": "Failure rate inside the box (%)",
    },
    "disc.traj.chosen": {"vi": "Vùng được chọn", "en": "Chosen box"},
    "disc.traj.base": {"vi": "Tỷ lệ chung {base}", "en": "Overall {base}"},
    "disc.traj.threshold": {"vi": "Ngưỡng {threshold}", "en": "Threshold {threshold}"},
}

_FIELD = re.compile(r"{(\w+)}")

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else a ``ValueError`` naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (choose one of {', '.join(LANGUAGES)})")
    return lang


def t(key: str, lang: str, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` with its ``{fields}`` filled in.

    An unknown key is a ``KeyError`` rather than a silent fallback, so a
    missing translation shows up in the tests, not on a committee's screen.
    """
    entry = TEXT[key]
    return entry[check_language(lang)].format(nbsp=NBSP, **fields)


def fields_of(key: str) -> dict[str, set[str]]:
    """The ``{fields}`` each language's text of ``key`` uses (they must agree)."""
    return {lang: set(_FIELD.findall(text)) - {"nbsp"} for lang, text in TEXT[key].items()}


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``value`` with ``decimals`` decimals: ``1.234,5`` (vi) or ``1,234.5`` (en)."""
    check_language(lang)
    if value != value:  # NaN
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text.replace("-", "−")


def smart_number(value: float, lang: str) -> str:
    """A whole number without decimals, anything else with one (medians such as 6.5)."""
    rounded = round(float(value), 1)
    return number(rounded, lang, 0 if float(rounded).is_integer() else 1)


def percent(p: float, lang: str) -> str:
    """A probability as a whole percentage (``<1 %`` and ``>99 %`` near the ends)."""
    check_language(lang)
    if p != p:
        return "–"
    if 0 < p < 0.005:
        return f"<1{NBSP}%"
    if 0.995 < p < 1:
        return f">99{NBSP}%"
    return f"{round(p * 100):.0f}{NBSP}%"


def interval(low: float, high: float, lang: str) -> tuple[str, str]:
    """A 95 % interval's bounds as whole percentages, rounded outwards (never overclaiming)."""
    check_language(lang)
    lo = math.floor(low * 100 + 1e-9)
    hi = math.ceil(high * 100 - 1e-9)
    return f"{lo}", f"{hi}{NBSP}%"


def month_name(month: int, lang: str, short: bool = True) -> str:
    """``Thg 3`` / ``tháng 3`` (vi) or ``Mar`` / ``March`` (en)."""
    check_language(lang)
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1-12")
    if lang == "vi":
        return f"Thg {month}" if short else f"tháng {month}"
    name = _MONTHS_EN[month - 1]
    return name[:3] if short else name


def month_year(when: date | datetime | Any, lang: str) -> str:
    """A month of a year: ``Thg 3/2018`` (vi) or ``Mar 2018`` (en)."""
    when = _as_date(when)
    if lang == "vi":
        return f"{month_name(when.month, lang)}/{when.year}"
    return f"{month_name(when.month, lang)} {when.year}"


def date_text(when: date | datetime | Any, lang: str) -> str:
    """A calendar date: ``28/11/2026`` (vi) or ``28 Nov 2026`` (en)."""
    when = _as_date(when)
    check_language(lang)
    if lang == "vi":
        return f"{when.day:02d}/{when.month:02d}/{when.year}"
    return f"{when.day} {month_name(when.month, lang)} {when.year}"


def years_text(years: list[int] | tuple[int, ...]) -> str:
    """A span of years: ``2016–2020`` (or one year)."""
    years = list(years)
    if not years:
        return "–"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def scenario_label(name: str, lang: str) -> str:
    """A scenario's name for readers: the forecast's conventional names in words, else as is.

    ``baseline`` and ``resolution-<year>`` are the forecast's file-name
    conventions (:mod:`sim.analysis.forecast`), so they are translated; any other name
    is the user's own and is shown unchanged.
    """
    if name == "baseline":
        return t("scenario.baseline", lang)
    match = re.fullmatch(r"resolution-(\d{4})", name)
    if match:
        return t("scenario.resolution", lang, year=match.group(1))
    return name


def parameters_text(record: dict[str, Any], lang: str, short: bool = False) -> str:
    """Where an ensemble's parameters came from (``sim.experiments.posterior.parameters_record``).

    The briefing's sentence (``Tham số: lấy từ hiệu chỉnh của xã theo số
    liệu quan sát 2015–2022``), or with ``short`` the source line's phrase
    (``tham số từ hiệu chỉnh của xã (số liệu 2015–2022)``). The years are
    those of the observations the calibration was fitted to; a committee
    reads what the figures rest on, not a file path.
    """
    prefix = "source.params" if short else "params"
    if record.get("kind") != "posterior":
        return t(f"{prefix}.assumed", lang)
    which = "commune" if record.get("commune_calibration") else "posterior"
    span = record.get("observed") or {}
    first, last = str(span.get("from") or "")[:4], str(span.get("to") or "")[:4]
    if first.isdigit() and last.isdigit():
        years = years_text(sorted({int(first), int(last)}))
        return t(f"{prefix}.{which}", lang, years=years)
    # unused fields are ignored: only the undated posterior's sentence counts its particles
    return t(f"{prefix}.{which}_undated", lang, particles=record.get("particles", "?"))


def _as_date(when: Any) -> date:
    if isinstance(when, datetime):
        return when.date()
    if isinstance(when, date):
        return when
    if isinstance(when, str):
        return date.fromisoformat(when[:10])
    import pandas as pd

    return pd.Timestamp(when).date()
