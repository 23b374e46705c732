# %% [markdown]
# # Bắt đầu nhanh: kế hoạch phát triển đảng viên của xã Nà Hỳ có đạt không?
#
# Nghị quyết của Đảng bộ xã nhiệm kỳ 2015–2020 đề ra mỗi năm **kết nạp 7–8
# đảng viên mới**, **không còn bản trắng đảng viên** và bản nào cũng có chi
# bộ. Sổ tay này nạp số liệu của xã, mô phỏng Monte Carlo các giải pháp xã đã
# đề ra và đọc kết quả. Nút ở kết quả đầu tiên chuyển sang tiếng Anh.
#
# *Quickstart: will Nà Hỳ's recruitment plan work? The commune resolved for
# 2015–2020 to admit **7–8 new party members a year**, to leave **no village
# without a party member** ("white village") and to give every village a
# cell. This notebook loads the commune, runs a Monte Carlo forecast of the
# measures the commune adopted and reads the answer. The switch in the first
# output changes the language.*
#
# Mọi con số dưới đây đều đi từ một tệp kịch bản, một seed và phiên bản mô
# hình, tất cả được lưu cùng kết quả.
#
# *Every number below comes from a scenario file, a seed and the package
# version, all recorded with the results.*

# %%
import os
from pathlib import Path

import sim
from sim.presentation.briefing_content import headline_sentences, parameters_sentence
from sim.presentation.i18n import number, scenario_label, t, years_text
from sim.presentation.language_switch import bilingual, language_switch
from sim.presentation.plots import admissions_fan
from sim.presentation.tables import (
    admissions_table,
    commune_text,
    ending_sentences,
    forecast_table,
    measures_table,
    run_admissions_table,
    scenario_text,
    village_table,
)

# Small runs when the test suite executes this notebook; a real forecast otherwise.
REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

language_switch()

# %% [markdown]
# ## Số liệu của xã
#
# Mọi điều mô hình biết về Nà Hỳ nằm trong thư mục `data/nahy/`: các bản, chi
# bộ, đảng viên, dân số và mọi tỷ lệ, mỗi số có nguồn hoặc ghi rõ là giả
# định. Khi nạp, số liệu được kiểm tra toàn bộ.
#
# *The commune as data: everything the model knows about Nà Hỳ lives in
# `data/nahy/` (villages, cells, members, demography and every rate, each with
# its source or marked as an assumption). Loading checks it all.*

# %%
commune = sim.load_commune(DATA)
bilingual(lambda lang: [commune_text(commune, lang), village_table(commune, lang)])

# %% [markdown]
# ## Kịch bản: các giải pháp xã đã đề ra
#
# Tệp kịch bản ghi tên xã, thời kỳ mô phỏng và các giải pháp, mỗi giải pháp có
# ngày bắt đầu và mức độ.
#
# *The scenario: a scenario file names the commune, the period and the
# measures, each with a start date and an intensity.*

# %%
scenario = sim.load_scenario(DATA / "scenarios" / "resolution-2015.toml")
bilingual(lambda lang: [scenario_text(scenario, lang), measures_table(scenario, lang)])

# %% [markdown]
# ## Một lần mô phỏng
#
# Một lần mô phỏng ngẫu nhiên là một diễn biến có thể xảy ra của xã.
#
# *One run: a single stochastic run is one possible history of the commune.*

# %%
one = sim.run(scenario, seed=SEED)
admitted = one.admissions_by_year()


def one_run(lang):
    total = number(float(admitted.sum()), lang)
    years = years_text([int(year) for year in admitted.index])
    sentence = t("nb.one_run", lang, seed=SEED, total=total, years=years)
    return [sentence, run_admissions_table(admitted, lang)]


bilingual(one_run)

# %% [markdown]
# ## Dự báo: nhiều lần mô phỏng
#
# Chạy kịch bản `REPS` lần trên nhiều nhân máy tính (các tiến trình con được
# khởi động an toàn từ sổ tay); mỗi chỉ tiêu được cho một xác suất kèm khoảng
# tin cậy 95 %. Kết quả được lưu lại và dùng lại khi chạy lần sau.
#
# Mỗi lần mô phỏng lấy tham số từ kết quả hiệu chỉnh của xã nếu có
# (`data/nahy/calibration/`), nếu không thì dùng giá trị giả định trong
# `parameters.csv`; câu cuối cho biết là trường hợp nào (`posterior=None` để
# dùng giá trị giả định).
#
# *The forecast: an ensemble runs the scenario `REPS` times on all cores (the
# workers are separate processes, started safely from the notebook) and gives
# each target a probability with a 95 % interval. Results are stored and
# reused. Each run draws its parameters from the commune's calibration when it
# has one, otherwise it uses the assumed values of `parameters.csv`; the last
# sentence says which (`posterior=None` asks for the assumed values).*

# %%
forecast = sim.run_ensemble(scenario, reps=REPS, seed=SEED, workers=2, out=RESULTS, quiet=True)


def answer(lang):
    name = scenario_label(scenario.name, lang)
    runs = t("nb.ensemble", lang, scenario=name, reps=REPS, seed=SEED)
    return [
        runs,
        *headline_sentences([forecast], lang),
        " ".join(ending_sentences(forecast, lang)),
        parameters_sentence([forecast], lang),
        forecast_table(forecast, lang),
    ]


bilingual(answer)

# %% [markdown]
# ## Số kết nạp mỗi năm
#
# Số đảng viên được kết nạp mỗi năm qua các lần mô phỏng, so với chỉ tiêu
# 7–8 đảng viên/năm của Nghị quyết.
#
# *Admissions per year: the spread of admissions per year across runs,
# against the resolution's target of 7–8 a year.*

# %%
bilingual(lambda lang: [admissions_table(forecast, lang), admissions_fan([forecast], lang)])
