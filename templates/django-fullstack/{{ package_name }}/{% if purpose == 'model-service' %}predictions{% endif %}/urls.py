from django.urls import path

from .views import PredictBatchView, PredictView

urlpatterns = [
    path("api/predict", PredictView.as_view(), name="predict"),
    path("api/predict/batch", PredictBatchView.as_view(), name="predict-batch"),
]
