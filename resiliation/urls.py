app_name = "resiliation"
urlpatterns = []
