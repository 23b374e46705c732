# %% [markdown]
# # Nghiên cứu: thanh niên đi làm ăn xa và trở về
#
# Không nguồn nào cho biết tỷ lệ đi xa, trở về của Nà Hỳ: đó là các giả định,
# có khoảng giá trị, trong `data/nahy/parameters.csv`. Sổ tay này cho thấy các
# tham số đó tác động thế nào đến dự báo, các chỉ tiêu nhạy với chúng đến đâu,
# và việc hiệu chỉnh theo số liệu tháng 4/2017 của bài báo thu hẹp chúng ra
# sao. Nút ở kết quả đầu tiên chuyển sang tiếng Anh.
#
# Các tham số: tỷ lệ người học xong trung học phổ thông đi xa trong hai năm
# (bài báo: “phần lớn” đi); tỷ lệ thanh niên 16–30 tuổi rời địa phương mỗi năm
# trong các trường hợp khác (nhân thêm một hệ số với người đã học xong trung
# học cơ sở, cũng là những người có thể được kết nạp); và tỷ lệ người đi làm ăn
# xa (trừ những người ở lại hẳn nơi khác) trở về trong năm năm khi hết việc.
# Người đi xa trở về có lý do: học sinh, sinh viên về khi học xong (một phần),
# người đi làm về khi hết việc hoặc về lập gia đình, và có người không về nữa.
# Mỗi lần đi và về đều được ghi trong bảng di cư của mỗi lần mô phỏng.
#
# *Researcher: youth outmigration and return. No source gives Nà Hỳ's
# migration rates: they are assumptions with ranges in
# `data/nahy/parameters.csv`. This notebook shows what they do to the
# forecast, how sensitive the targets are to them, and how calibration against
# the article's April 2017 figures narrows them. The switch in the first
# output changes the language. The parameters: the share of upper-secondary
# completers who leave within two years (the article: "most" leave); the
# yearly leaving hazard at 16–30 otherwise (times a multiplier for those with
# lower-secondary schooling, who are also the ones the party may admit); and
# the share of work migrants (those not settled away for good) back within
# five years when a job ends. Returns have reasons: students come home when
# their course ends (some), work migrants when a job ends or to marry, and
# some never come back. Every departure and return is in each run's
# migration table.*

# %%
import os
from pathlib import Path

import sim
from sim.analysis.calibration import Settings, calibrate
from sim.analysis.identifiability import identify
from sim.analysis.sensitivity import run_sensitivity
from sim.presentation.analysis_plots import (
    identifiability_figure,
    plot_identifiability,
    predictive_figure,
    priors_posteriors_figure,
    sensitivity_figure,
)
from sim.presentation.i18n import parameters_text, t
from sim.presentation.language_switch import bilingual, language_switch
from sim.presentation.plots import youth_places
from sim.presentation.research_tables import (
    calibration_text,
    diagnostics_view,
    identifiability_summary_table,
    identifiability_text,
    one_at_a_time_table,
    parameter_table,
    posterior_table,
    posterior_text,
    sensitivity_table,
    sensitivity_text,
)

SMALL = "NAHY_NOTEBOOK_REPS" in os.environ  # the test suite runs this notebook small
REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "100"))
WORKERS = 1 if SMALL else None  # small runs: no worker pool to start
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

language_switch()

# %% [markdown]
# Ba tham số, giá trị và khoảng của chúng trong `parameters.csv`:
#
# *The three parameters, their values and ranges in `parameters.csv`:*

# %%
scenario = sim.load_scenario(DATA / "scenarios" / "resolution-2015.toml")
table = scenario.commune.parameter_table.set_index("name")
MIGRATION = ("leave_after_upper_secondary_2y", "leave_hazard_young", "return_within_5y")
bilingual(lambda lang: parameter_table(table, MIGRATION, lang))

# %% [markdown]
# ## Từng tham số một
#
# Dự báo ở giá trị thấp, giữa và cao của từng tham số di cư (mọi tham số khác
# giữ giá trị trong số liệu, nên `posterior=None`: không lấy từ kết quả hiệu
# chỉnh của xã dù xã đã có; cùng seed, nên các lần chạy ghép cặp được với
# nhau).
#
# *One parameter at a time: the forecast at the low, central and high value of
# each migration parameter (every other parameter at its data value, so
# `posterior=None`: not drawn from the commune's calibration even if it has
# one; same seed, so the runs are paired).*

# %%
sweep = []
for name in MIGRATION:
    for level in ("low", "value", "high"):
        value = float(table.loc[name, level])
        result = sim.run_ensemble(
            scenario.with_parameters(**{name: value}),
            reps=REPS,
            seed=SEED,
            out=RESULTS,
            quiet=True,
            posterior=None,
        )
        sweep.append((name, level, value, result))


def sweep_view(lang):
    note = t("nb.sweep", lang, reps=REPS, seed=SEED)
    return [note, one_at_a_time_table(sweep, lang)]


bilingual(sweep_view)

# %% [markdown]
# Thanh niên ở địa phương, đi làm ăn xa và đi nghĩa vụ quân sự, với các giá
# trị giữa:
#
# *Young people at home, away and in military service under the central
# values:*

# %%
central = sim.run_ensemble(
    scenario, reps=REPS, seed=SEED, out=RESULTS, quiet=True, workers=WORKERS, posterior=None
)


def youth_view(lang):
    return [parameters_text(central.manifest["parameters"], lang), youth_places(central, lang)]


bilingual(youth_view)

# %% [markdown]
# ## Độ nhạy toàn cục (sàng lọc Morris)
#
# Mọi tham số chưa chắc chắn của kịch bản hiệu chỉnh cùng thay đổi trong khoảng
# của phân phối tiên nghiệm; sàng lọc Morris xếp hạng chúng theo tác động đến
# từng kết quả (chỉ số Sobol: `method="sobol"`, cần nhiều lần chạy hơn nhiều).
#
# *Global sensitivity (Morris screening): all the calibration scenario's
# uncertain parameters varied together over their prior ranges; Morris
# screening ranks them by their effect on each target metric (Sobol indices:
# `method="sobol"`, many more runs).*

# %%
calibration_scenario = sim.load_scenario(DATA / "scenarios" / "calibrate-2017.toml")
screening = run_sensitivity(
    calibration_scenario.with_horizon("2020-12-31"),
    method="morris",
    n=2 if SMALL else 20,
    seed=SEED,
    out=RESULTS / "sensitivity",
    quiet=True,
    workers=WORKERS,
)
bilingual(lambda lang: [sensitivity_text(screening, lang), sensitivity_table(screening, lang)])

# %%
bilingual(lambda lang: sensitivity_figure(screening, lang))

# %% [markdown]
# ## Trước khi hiệu chỉnh: số liệu quan sát nào cho biết về tham số nào
#
# Hiệu chỉnh chỉ thu hẹp được một tham số khi có số liệu quan sát thay đổi theo
# nó. `identify` rút các bộ tham số từ phân phối tiên nghiệm (mỗi bộ một lần
# mô phỏng), đo mọi số liệu của `observed.csv` trên từng lần chạy đúng như khi
# hiệu chỉnh, rồi tính hệ số tương quan hạng Spearman và ước lượng thông tin
# tương hỗ cho từng cặp (số liệu, tham số). Tham số mà |r| với mọi số liệu
# đều nằm trong ngưỡng của trường hợp độc lập (z₀,₉₉₅ / √(số bộ − 1)) được
# đánh dấu *không được số liệu nào cho biết*: sau hiệu chỉnh nó vẫn giữ phân
# phối tiên nghiệm. Rút nhiều bộ hơn thì ngưỡng thấp hơn (300 bộ, mặc định,
# cho 0,15).
#
# *Before calibrating: which observed figure informs which parameter.
# Calibration can only narrow a parameter that some observed figure responds
# to. `identify` draws parameter sets from the priors (one run each), measures
# every figure of `observed.csv` on each run exactly as calibration does, and
# gives the Spearman rank correlation and a mutual-information estimate of
# every (figure, parameter) pair. A parameter whose |r| stays within the bound
# independence would give (z₀.₉₉₅ / √(draws − 1)) for every figure is flagged
# not informed: its posterior will be its prior, whatever the calibration.
# More draws lower the bound (300, the default, gives 0.15).*

# %%
identifiability = identify(
    calibration_scenario,
    RESULTS / "identifiability",
    draws=10 if SMALL else 150,
    seed=SEED,
    quiet=True,
    workers=WORKERS,
)
bilingual(
    lambda lang: [
        identifiability_text(identifiability, lang),
        identifiability_summary_table(identifiability, lang),
    ]
)

# %% [markdown]
# Bản đồ nhiệt (hàng: tham số; cột: số liệu quan sát; chữ đậm: vượt ngưỡng;
# khung đen: số liệu cho biết nhiều nhất về từng tham số).
#
# *The heat map (rows: parameters; columns: observed figures; bold: beyond the
# bound; framed: each parameter's most informative figure).*

# %%
plot_identifiability(identifiability)  # also as PNG files, beside the table
bilingual(lambda lang: identifiability_figure(identifiability, lang))

# %% [markdown]
# ## Hiệu chỉnh theo số liệu tháng 4/2017
#
# Tính toán Bayes xấp xỉ (ABC, Monte Carlo theo quần thể) trên các phân phối
# tiên nghiệm khai báo trong `calibrate-2017.toml`, so với các số liệu của bài
# báo. Một lần hiệu chỉnh đầy đủ (thiết lập mặc định) mất vài phút trên hai
# nhân máy tính; có thể dừng giữa chừng và chạy tiếp.
#
# *Calibration against April 2017: approximate Bayesian computation
# (population Monte Carlo) over the priors declared in `calibrate-2017.toml`,
# against the article's figures. A full calibration (the default settings)
# takes a few minutes on two cores; it can be interrupted and resumed.*

# %%
settings = (
    Settings(
        particles=8, generations=1, pilot_runs=4, max_runs=16, predictive_runs=4, projection_runs=20
    )
    if SMALL
    else Settings()
)
posterior = calibrate(
    calibration_scenario, RESULTS / "calibration", settings, quiet=True, workers=WORKERS
)
bilingual(lambda lang: [calibration_text(posterior, lang), diagnostics_view(posterior, lang)])

# %% [markdown]
# Các bộ tham số được giữ (có trọng số) và mỗi phân phối tiên nghiệm được thu
# hẹp đến đâu:
#
# *The accepted parameter sets (weighted) and how far each prior narrowed:*

# %%
bilingual(lambda lang: [posterior_text(posterior, lang), posterior_table(posterior, lang)])

# %%
bilingual(
    lambda lang: [priors_posteriors_figure(posterior, lang), predictive_figure(posterior, lang)]
)
